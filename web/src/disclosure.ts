import { h } from './dom.js';

/** What the agent analyses, as told to candidates before they consent. Observable behaviour only. */
export const DISCLOSURE_ITEMS: readonly string[] = [
  'Now: the level of your microphone audio (is there sound, how loud) and the frame rate and brightness of your camera video (is the picture arriving and well lit).',
  'Later versions: your speech (transcribed), where you look (gaze) and your posture.',
  'It describes observable behaviour only. It never infers emotions, personality or honesty.',
  'Only derived signals (numbers and short descriptions) are stored; no audio or video is recorded.',
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
