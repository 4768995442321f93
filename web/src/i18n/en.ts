// English UI strings (the reference set: zh.ts must have the same keys; a test checks it).
export default {
  app: { name: 'Nexus Studio', skip: 'Skip to content', language: 'Language', loading: 'Loading…' },
  nav: {
    main: 'Main', projects: 'Projects', admin: 'Administration', members: 'Members', keys: 'API keys',
    audit: 'Audit log', costs: 'Costs', providers: 'Providers', budgets: 'Budgets', policies: 'Policies',
    soon: 'arrives with its API', signOut: 'Sign out', signedInAs: 'Signed in as {email} ({role})',
  },
  error: { title: 'Something went wrong', code: 'Error code', retry: 'Try again', trace: 'Trace' },
  signIn: {
    title: 'Sign in', email: 'Email', password: 'Password', tenant: 'Tenant (optional)', submit: 'Sign in',
    busy: 'Signing in…', expired: 'Your session ended. Sign in again.',
  },
  setup: {
    title: 'Welcome to Nexus', lead: 'No one has an account on this server yet. Create the administrator.',
    name: 'Your name', tenant: 'Workspace name (a-z, 0-9, -)', passwordHint: 'At least 12 characters.',
    submit: 'Create the administrator', busy: 'Creating…',
  },
  projects: {
    title: 'Projects', empty: 'No projects yet. Create the first one.', name: 'Name', description: 'Description',
    create: 'Create project', creating: 'Creating…', open: 'Open', updated: 'Updated {when}',
  },
  project: {
    settings: 'Settings', language: 'Language', resolution: 'Resolution', narrator: 'Narrator voice',
    budget: 'Budget (USD)', save: 'Save settings', saved: 'Saved.', runs: 'Runs', noRuns: 'No runs yet.',
    stories: 'Stories',
  },
  story: {
    title: 'Story', storyTitle: 'Title', text: 'Story text', placeholder: 'Write or paste a story (Chinese or English)…',
    upload: 'Upload a .txt or .md file', preview: 'Preview', previewing: 'Reading the story…',
    run: 'Produce the video', running: 'Starting…', detected: 'Detected language: {lang}',
    scenes: 'Scenes', characters: 'Characters', places: 'Places', props: 'Props',
    shots: '{n} shots, about {s} s', noPreview: 'Preview the story to see its scenes and characters before running.',
    sentences: '{n} sentences', mentions: '{n} mentions', voice: 'voice {voice}',
    langs: { zh: 'Chinese', en: 'English', mixed: 'Chinese and English', auto: 'Detect' },
  },
  run: {
    title: 'Run {id}', status: 'Status', graph: 'Job graph', stages: 'Progress by stage', events: 'Event log',
    cancel: 'Cancel run', retry: 'Retry run', timeline: 'Timeline', player: 'Preview', entities: 'Entities',
    parent: 'Revision of {id}', live: 'Live', reconnecting: 'Reconnecting…', ended: 'Stream ended',
    connecting: 'Connecting…', idle: 'Not following', cached: 'cache hit', executed: 'Executed {n}, cache hits {c}',
    node: 'Node', attempts: 'Attempt {a} of {m}', timing: 'Took {s} s', noDetail: 'Select a node to see its details.',
    output: 'Output', params: 'Parameters', eventsCount: '{n} events (last id {id})', legend: 'Legend',
    noEvents: 'No events yet.',
  },
  status: {
    pending: 'pending', ready: 'ready', awaiting_approval: 'awaiting approval', running: 'running',
    succeeded: 'succeeded', failed: 'failed', cancelled: 'cancelled', skipped: 'skipped', compensating: 'compensating',
  },
  timeline: {
    title: 'Timeline', empty: 'The plan is not ready yet: the shots appear once the run has planned them.',
    shot: 'Shot {n}', text: 'Text', speaker: 'Speaker', narrator: 'Narrator', voice: 'Voice', duration: 'Duration (s)',
    variant: 'Variant {n}', frame: 'Frame of shot {n}', noFrame: 'No frame yet', apply: 'Apply edit',
    askVariant: 'Ask for a variant', regenerate: 'Regenerate shot', willRerun: 'These nodes will run again:',
    confirm: 'Confirm', cancel: 'Cancel', revision: 'Revision started', tracks: 'Tracks', play: 'Play line',
    lines: 'Lines', narration: 'narration', dialogue: 'dialogue', music: 'music',
  },
  player: {
    title: 'Preview', noVideo: 'The video is not ready yet.', downloads: 'Downloads', shots: 'Jump to a shot',
    video: 'Video (MP4)', srt: 'Subtitles (SRT)', vtt: 'Subtitles (VTT)', poster: 'Poster', subtitles: 'Subtitles',
  },
  entities: {
    title: 'Entities', empty: 'No entities yet: they appear once the run has planned.', sample: 'Play a sample',
    aliases: 'Also called', noSample: 'No voice sample yet',
  },
  admin: {
    members: 'Members', email: 'Email', role: 'Role', add: 'Add member', password: 'Initial password',
    since: 'Member since', keys: 'API keys', keyName: 'Name', scopes: 'Scopes', createKey: 'Create key',
    revoke: 'Revoke', revoked: 'revoked', newKey: 'Copy this key now; it is shown once:', prefix: 'Prefix',
    lastUsed: 'Last used', never: 'never', audit: 'Audit log', action: 'Action filter', filter: 'Filter',
    when: 'When', actor: 'Actor', target: 'Target', outcome: 'Outcome', more: 'Load more', noAudit: 'No entries.',
    soonTitle: '{feature}', soonBody: 'This page arrives with its API; the navigation is ready for it.',
  },
}
