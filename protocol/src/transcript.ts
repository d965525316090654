/**
 * LiveKit's standard transcription text streams (the values of `TOPIC_TRANSCRIPTION` and
 * `ATTRIBUTE_TRANSCRIPTION_*` in `@livekit/agents` `constants.ts`, which the package does not
 * export). Stock LiveKit clients show these as captions; the agent sends one stream per finished
 * segment on behalf of the speaker.
 */
export const TRANSCRIPTION_TOPIC = 'lk.transcription';

/** Standard attributes of a transcription stream. */
export const TRANSCRIPTION_ATTRIBUTES = {
  SEGMENT_ID: 'lk.segment_id',
  TRACK_ID: 'lk.transcribed_track_id',
  FINAL: 'lk.transcription_final',
} as const;

/** Attributes the agent adds: who spoke, in which role, and whether the segment was transcribed. */
export const TRANSCRIPT_SPEAKER_ATTRIBUTES = {
  IDENTITY: 'interview-helper.speaker',
  ROLE: 'interview-helper.speaker-role',
  STATUS: 'interview-helper.segment-status',
} as const;
