"""Upper-case every cue (str.upper leaves Chinese as it is)."""


def main(data: dict) -> dict:
    return {"cues": [{**cue, "text": cue["text"].upper()} for cue in data["cues"]]}
