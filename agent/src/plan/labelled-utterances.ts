/**
 * Labelled interviewer utterances for measuring plan matching: for each of the example plans (`plans/*.json`),
 * the question read out, paraphrases of it (some sharing no keyword with the plan), near-misses (remarks that
 * mention an item's topic without asking it, acknowledgements, questions on something else) and small talk.
 * `label` is the plan item the utterance asks, or null. Written by hand before the matcher was tuned; kept
 * unchanged when tuning, so the figures in docs/plan.md are not fitted to it item by item.
 */
export interface LabelledUtterance {
  plan: 'backend-coding' | 'system-design' | 'behavioural';
  text: string;
  label: string | null;
  kind: 'verbatim' | 'paraphrase' | 'near-miss' | 'other';
}

const b = (text: string, label: string | null, kind: LabelledUtterance['kind']): LabelledUtterance => ({
  plan: 'backend-coding',
  text,
  label,
  kind,
});
const s = (text: string, label: string | null, kind: LabelledUtterance['kind']): LabelledUtterance => ({
  plan: 'system-design',
  text,
  label,
  kind,
});
const h = (text: string, label: string | null, kind: LabelledUtterance['kind']): LabelledUtterance => ({
  plan: 'behavioural',
  text,
  label,
  kind,
});

export const LABELLED_UTTERANCES: LabelledUtterance[] = [
  // ---- backend coding ----------------------------------------------------------------------------------------
  b(
    'Tell me about a backend service you built recently and your part in it.',
    'warmup-background',
    'verbatim',
  ),
  b(
    'To start, what have you worked on recently? What was your role there?',
    'warmup-background',
    'paraphrase',
  ),
  b(
    'Can you walk me through a system you were responsible for at your last job?',
    'warmup-background',
    'paraphrase',
  ),
  b(
    'Write a function that returns the first duplicate in a list of numbers.',
    'coding-duplicates',
    'verbatim',
  ),
  b(
    'Here is the problem: given an array of integers, find the first value that appears twice.',
    'coding-duplicates',
    'paraphrase',
  ),
  b(
    'Could you code something that spots the first repeated number in a list?',
    'coding-duplicates',
    'paraphrase',
  ),
  b(
    'Implement a function that tells me which element occurs more than once, the earliest one.',
    'coding-duplicates',
    'paraphrase',
  ),
  b(
    'What is the time and space complexity of your solution, and can you do better?',
    'complexity',
    'verbatim',
  ),
  b("What's the big O of that?", 'complexity', 'paraphrase'),
  b(
    'How does this scale as the list gets longer, and how much memory does it use?',
    'complexity',
    'paraphrase',
  ),
  b('Is there a more efficient way to do it?', 'complexity', 'paraphrase'),
  b('How would you test this function?', 'testing', 'verbatim'),
  b('Which edge cases would you check before shipping this?', 'testing', 'paraphrase'),
  b('How would you convince yourself that this code is correct?', 'testing', 'paraphrase'),
  b('What inputs would you try to break it?', 'testing', 'paraphrase'),
  b('How would your API report errors to its clients?', 'api-errors', 'verbatim'),
  b(
    'Suppose the database call fails. What does the caller of your endpoint see?',
    'api-errors',
    'paraphrase',
  ),
  b('What status codes would your service return when something goes wrong?', 'api-errors', 'paraphrase'),
  b('Okay, great, that looks right to me.', null, 'other'),
  b('Take your time, there is no rush.', null, 'other'),
  b('You mentioned tests earlier, that is good to hear.', null, 'near-miss'),
  b('I see you already handled the duplicate case, nice.', null, 'near-miss'),
  b('Can you hear me all right? Your audio was cutting out.', null, 'other'),
  b('Do you have any questions for me about the team?', null, 'other'),
  b('We use Go and Postgres for most of our services.', null, 'near-miss'),
  b('Sorry, I lost you for a second there, could you repeat the last part?', null, 'other'),
  // ---- system design -----------------------------------------------------------------------------------------
  s(
    'What are the functional and non-functional requirements of a URL shortener?',
    'requirements',
    'verbatim',
  ),
  s('Before we draw anything, what should this system actually do?', 'requirements', 'paraphrase'),
  s('Which features are in scope for the first version?', 'requirements', 'paraphrase'),
  s('How much traffic and storage do you expect? Give me a rough estimate.', 'capacity', 'verbatim'),
  s('Can you do a back of the envelope calculation for the load?', 'capacity', 'paraphrase'),
  s('How many requests per second are we talking about, roughly?', 'capacity', 'paraphrase'),
  s('How big will the data get over five years?', 'capacity', 'paraphrase'),
  s('How would you generate the short codes and store the mapping?', 'data-model', 'verbatim'),
  s('What would the table look like?', 'data-model', 'paraphrase'),
  s('How do you turn a long URL into a short key, and where do you keep it?', 'data-model', 'paraphrase'),
  s('How would you scale the redirects to millions of reads per second?', 'scaling-reads', 'verbatim'),
  s(
    'Reads are a hundred times more frequent than writes. How do you keep redirects fast?',
    'scaling-reads',
    'paraphrase',
  ),
  s('Where would you put a cache, and what would you cache?', 'scaling-reads', 'paraphrase'),
  s('What happens when a data centre goes down?', 'failure-modes', 'verbatim'),
  s('Say one region has an outage. What do users notice?', 'failure-modes', 'paraphrase'),
  s('How does the system survive losing a whole availability zone?', 'failure-modes', 'paraphrase'),
  s('Nice, the cache in front of the database makes sense.', null, 'near-miss'),
  s('We had an outage last week ourselves, funnily enough.', null, 'near-miss'),
  s('Let me share my screen with the diagram tool.', null, 'other'),
  s('Good, let us move on.', null, 'other'),
  s('I think you covered the requirements well.', null, 'near-miss'),
  s('Is the whiteboard visible on your side?', null, 'other'),
  // ---- behavioural -------------------------------------------------------------------------------------------
  h('Tell me about a time you disagreed with a colleague. What did you do?', 'conflict', 'verbatim'),
  h('Have you ever had a conflict with someone on your team? How did it go?', 'conflict', 'paraphrase'),
  h(
    'Think of a moment when you and your manager saw things differently. What happened?',
    'conflict',
    'paraphrase',
  ),
  h('Describe a project that did not go as planned. What did you learn?', 'failure', 'verbatim'),
  h('Tell me about a mistake you made at work.', 'failure', 'paraphrase'),
  h('What is a project that went wrong, and what would you do differently?', 'failure', 'paraphrase'),
  h('Give me an example of something you improved without being asked.', 'ownership', 'verbatim'),
  h('When did you last take the initiative on something nobody assigned to you?', 'ownership', 'paraphrase'),
  h(
    'Have you ever fixed a process that annoyed everyone, just because you could?',
    'ownership',
    'paraphrase',
  ),
  h('How do you decide what to work on when everything is urgent?', 'prioritisation', 'verbatim'),
  h('You have three deadlines on the same day. How do you choose?', 'prioritisation', 'paraphrase'),
  h('How do you prioritize competing requests from different teams?', 'prioritisation', 'paraphrase'),
  h('Tell me about feedback you received that changed how you work.', 'feedback', 'verbatim'),
  h('What is the most useful criticism you have been given?', 'feedback', 'paraphrase'),
  h('Has a manager ever told you something about your work that was hard to hear?', 'feedback', 'paraphrase'),
  h('Thanks, that was a really clear example.', null, 'other'),
  h('I appreciate the feedback you gave on our process, by the way.', null, 'near-miss'),
  h('Our team also deals with a lot of urgent requests.', null, 'near-miss'),
  h('Let me tell you a bit about how we work here.', null, 'other'),
  h('We have about ten minutes left.', null, 'other'),
  h('Would you like some water before we continue?', null, 'other'),
  h('That sounds like it was a tough situation with your colleague.', null, 'near-miss'),
];
