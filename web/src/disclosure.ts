import { h } from './dom.js';

/** What the agent analyses, as told to candidates before they consent. Observable behaviour only. */
export const DISCLOSURE_ITEMS: readonly string[] = [
  'Your microphone: sound level, when you speak and pause, speaking pace and pitch variation; when transcription is on, what is said (by you and the interviewers) is transcribed and shown as captions.',
  'Your camera: frame rate and brightness (is the picture arriving and well lit). Later versions: where you look (gaze) and your posture.',
  'The code pad: what you write there is read to suggest questions to the interviewers.',
  'It describes observable behaviour only. It never infers emotions, personality or honesty.',
  'Only derived signals (numbers and short descriptions), the transcript and the code are stored; no audio or video is recorded.',
  'The interviewers see these signals and hints during the interview; you never do.',
];

/** The disclosure block shown to candidates (on the join form and during the interview). */
export function disclosure(): HTMLElement {
  return h(
    'section',
    { className: 'disclosure', testid: 'disclosure' },
    h('h2', {}, 'What the interview assistant analyses'),
    h('p', {}, 'An automated assistant joins this call and analyses your camera and microphone:'),
    h('ul', {}, ...DISCLOSURE_ITEMS.map((item) => h('li', {}, item))),
  );
}
