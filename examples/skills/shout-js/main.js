// Every cue in capitals, ending with "!".
export function main(data) {
  return { cues: data.cues.map((c) => ({ ...c, text: c.text.toUpperCase() + "!" })) };
}
