import type { ProtectedTopic } from '@interview-helper/protocol';

/**
 * One interviewer utterance with its labels: the protected topic it asks about (none for lawful questions and
 * near-misses), whether it suggests its answer (leading) and whether it can be answered yes or no (closed).
 */
export interface LabelledQuestion {
  text: string;
  topic?: ProtectedTopic;
  leading?: boolean;
  closed?: boolean;
}

/**
 * The labelled set the rule lexicon is measured on (`docs/conduct.md`): protected-topic questions and their
 * paraphrases, lawful near-misses that employment guidance recommends instead, technical questions that share
 * words with protected topics (children of a node, disabling a flag), and open, closed and leading questions.
 */
export const LABELLED_QUESTIONS: readonly LabelledQuestion[] = [
  // --- family, pregnancy
  { text: 'Are you planning to have children soon?', topic: 'family', closed: true },
  { text: 'Do you have kids?', topic: 'family', closed: true },
  { text: 'Any kids at home?', topic: 'family' },
  { text: 'How many children do you have?', topic: 'family' },
  { text: 'Are you pregnant?', topic: 'family', closed: true },
  { text: 'Is a baby on the way for you two?', topic: 'family', closed: true },
  { text: 'Do you want to start a family in the next few years?', topic: 'family', closed: true },
  { text: 'What are your family plans?', topic: 'family' },
  { text: 'Who looks after your kids while you work?', topic: 'family' },
  { text: 'Would you need childcare to make these hours work?', topic: 'family', closed: true },
  { text: 'Are you expecting to take maternity leave next year?', topic: 'family', closed: true },
  { text: 'Tell me about your family situation.', topic: 'family' },
  { text: 'So, kids someday?', topic: 'family' },
  // --- marital status
  { text: 'Are you married?', topic: 'marital-status', closed: true },
  { text: 'What does your husband do?', topic: 'marital-status' },
  { text: 'Is your wife okay with you relocating?', topic: 'marital-status', closed: true },
  { text: 'Are you single or in a relationship?', topic: 'marital-status', closed: true },
  { text: 'What is your maiden name?', topic: 'marital-status' },
  { text: 'Are you getting married any time soon?', topic: 'marital-status', closed: true },
  { text: 'Does your partner work in tech too?', topic: 'marital-status', closed: true },
  // --- age
  { text: 'How old are you?', topic: 'age' },
  { text: 'What year were you born?', topic: 'age' },
  { text: 'When did you graduate from high school?', topic: 'age' },
  { text: 'Are you thinking about retirement in the next few years?', topic: 'age', closed: true },
  { text: 'You are still young enough to learn a new stack, right?', topic: 'age', leading: true },
  { text: 'Would you say you are in your forties?', topic: 'age', closed: true },
  { text: 'What is your date of birth?', topic: 'age' },
  { text: 'Are you a millennial?', topic: 'age', closed: true },
  // --- religion
  { text: 'What religion are you?', topic: 'religion' },
  { text: 'Do you go to church on Sundays?', topic: 'religion', closed: true },
  { text: 'Which religious holidays do you observe?', topic: 'religion' },
  { text: 'Will you need time off for Ramadan?', topic: 'religion', closed: true },
  { text: 'Do you pray during the work day?', topic: 'religion', closed: true },
  { text: 'Is your faith important to you?', topic: 'religion', closed: true },
  { text: 'Do you keep the Sabbath?', topic: 'religion', closed: true },
  // --- nationality or origin
  { text: 'Where are you originally from?', topic: 'nationality' },
  { text: 'Where were you born?', topic: 'nationality' },
  { text: 'What is your nationality?', topic: 'nationality' },
  { text: 'Is English your first language?', topic: 'nationality', closed: true },
  { text: 'Where is that accent from?', topic: 'nationality' },
  { text: 'Are you a US citizen?', topic: 'nationality', closed: true },
  { text: 'Where do your parents come from?', topic: 'nationality' },
  { text: 'What is your native language?', topic: 'nationality' },
  { text: 'Where is your last name from?', topic: 'nationality' },
  // --- disability or health
  { text: 'Do you have any disabilities?', topic: 'disability', closed: true },
  { text: 'Do you have any health problems we should know about?', topic: 'disability', closed: true },
  { text: 'Are you on any medication?', topic: 'disability', closed: true },
  { text: 'How many sick days did you take last year?', topic: 'disability' },
  { text: 'Have you ever been treated for a mental health condition?', topic: 'disability', closed: true },
  { text: 'Have you ever been diagnosed with anything serious?', topic: 'disability', closed: true },
  { text: 'How is your health in general?', topic: 'disability' },
  { text: 'Do you use a wheelchair at home?', topic: 'disability', closed: true },
  { text: 'Have you ever filed a workers compensation claim?', topic: 'disability', closed: true },
  {
    text: 'Is there a medical condition that might affect your attendance?',
    topic: 'disability',
    closed: true,
  },
  // --- lawful near-misses (no protected topic)
  { text: 'Are you legally authorised to work here?', closed: true },
  { text: 'Are you legally authorized to work in the United States?', closed: true },
  { text: 'Will you now or in the future require sponsorship for an employment visa?', closed: true },
  {
    text: 'Can you perform the essential functions of the job with or without accommodation?',
    closed: true,
  },
  {
    text: 'Can you perform the essential functions of this role, with or without reasonable accommodation?',
    closed: true,
  },
  { text: 'Are you at least 18 years old?', closed: true },
  { text: 'Are you over the age of 18?', closed: true },
  {
    text: 'This role has on-call weeks and some travel. Can you meet that schedule?',
    closed: true,
  },
  { text: 'Is there anything we can do to make this interview more accessible for you?', closed: true },
  { text: 'Which languages do you speak fluently that would help with our customers in this role?' },
  { text: 'Have you worked under another name that we need for the reference check?', closed: true },
  { text: 'Where are you joining us from today?' },
  { text: 'Our parental leave policy is sixteen weeks, by the way.' },
  { text: 'How many years of experience do you have with Go?' },
  // --- technical questions sharing words with protected topics
  { text: 'How would you visit all the children of a node in this tree?' },
  { text: 'What happens to the child processes when the parent process exits?' },
  { text: 'How would you disable the cache in production without a deploy?' },
  { text: 'How would you diagnose a memory leak in this service?' },
  { text: 'What is the time complexity of this operation for you?' },
  { text: 'Is Python your first language or did you start with something else?', closed: true },
  { text: 'How does this handle the health check endpoint failing?' },
  { text: 'What would you name the parent and child components?' },
  // --- open questions
  { text: 'How would you design the rate limiter?' },
  { text: 'Walk me through how you debugged the outage.' },
  { text: 'What trade-offs did you consider between the queue and the database?' },
  { text: 'Why did you pick a hash map here?' },
  { text: 'Can you walk me through your approach?' },
  { text: 'Could you explain what this function returns for an empty list?' },
  { text: 'Tell me about a time you disagreed with a design decision.' },
  { text: 'Which part of the system would you change first, and why?' },
  { text: 'What would you test first?' },
  // --- closed questions
  { text: 'Did you use a cache?', closed: true },
  { text: 'Have you worked with Kafka before?', closed: true },
  { text: 'Do you know SQL?', closed: true },
  { text: 'Is the list sorted?', closed: true },
  { text: 'Was the migration successful?', closed: true },
  { text: 'Can you write tests for this?' },
  { text: 'So did the team adopt it in the end?', closed: true },
  { text: 'Would you use recursion here?', closed: true },
  { text: 'Does that make sense?', closed: true },
  // --- leading questions
  { text: "Don't you think a hash map would be faster here?", leading: true, closed: true },
  { text: 'Wouldn’t you agree that microservices are overkill for this?', leading: true, closed: true },
  { text: "Isn't it obvious that the bug is in the loop?", leading: true, closed: true },
  { text: 'You used a binary search there, right?', leading: true },
  { text: 'Surely you tested the empty case?', leading: true },
  { text: 'I assume you would add an index on that column?', leading: true },
  { text: "The best approach here is a heap, isn't it?", leading: true },
  { text: "Wouldn't it be easier to just sort the array first?", leading: true, closed: true },
  { text: 'You must have used Docker in your last job?', leading: true },
  { text: 'You would agree this is the cleanest design?', leading: true },
  { text: 'Obviously you would cache this, no?', leading: true },
  { text: "Doesn't that break when the input is empty?", leading: true, closed: true },
];

/**
 * A second labelled set, written after the lexicon's rules were fixed and never used to tune them: its scores in
 * `docs/conduct.md` are the honest estimate for new phrasings.
 */
export const HELD_OUT_QUESTIONS: readonly LabelledQuestion[] = [
  { text: 'Do you see yourself having a family in the next couple of years?', topic: 'family', closed: true },
  { text: 'Would your kids be a problem for the late deploys?', topic: 'family', closed: true },
  { text: 'Are you and your partner planning on kids?', topic: 'family', closed: true },
  { text: 'Is there any chance you might get pregnant during the project?', topic: 'family', closed: true },
  { text: 'How do you balance this job with being a mother?', topic: 'family' },
  { text: 'What does your spouse think about the move?', topic: 'marital-status' },
  { text: 'Is there a Mrs. at home?', topic: 'marital-status', closed: true },
  { text: 'Are you divorced?', topic: 'marital-status', closed: true },
  { text: 'How old were you when you started coding?', topic: 'age' },
  { text: 'When do you plan to retire?', topic: 'age' },
  { text: 'You graduated in what, 1995?', topic: 'age' },
  { text: 'Which year did you finish secondary school?', topic: 'age' },
  { text: 'Are you religious?', topic: 'religion', closed: true },
  { text: 'Would you need Fridays off for prayers?', topic: 'religion', closed: true },
  { text: 'Do you celebrate Christmas?', topic: 'religion', closed: true },
  { text: 'Where did you grow up?', topic: 'nationality' },
  { text: 'What country is your family from?', topic: 'nationality' },
  { text: 'Your English is very good, where did you learn it?', topic: 'nationality' },
  { text: 'Are you a citizen of this country?', topic: 'nationality', closed: true },
  { text: 'Were you born here?', topic: 'nationality', closed: true },
  {
    text: 'Do you have any conditions that would need special arrangements?',
    topic: 'disability',
    closed: true,
  },
  { text: 'Have you had any serious illnesses?', topic: 'disability', closed: true },
  { text: 'Do you take any prescription drugs?', topic: 'disability', closed: true },
  { text: 'Are you physically fit?', topic: 'disability', closed: true },
  { text: 'Do you have the right to work in the UK?', closed: true },
  { text: 'Are you able to travel overnight for about a week each quarter?', closed: true },
  { text: 'Do you need any adjustments for this interview?', closed: true },
  { text: 'Are you eligible to work in Canada without sponsorship?', closed: true },
  { text: 'Can you lift 20 kilograms, which the warehouse shifts require?', closed: true },
  { text: 'How would you find the depth of the deepest child in this tree?' },
  { text: 'What would you do if a worker process becomes unhealthy?' },
  { text: 'How do you handle a user whose account is disabled?' },
  { text: 'Why did you choose a queue for this?' },
  { text: 'What would break first under ten times the load?' },
  { text: 'Did the tests pass?', closed: true },
  { text: 'Is this thread safe?', closed: true },
  { text: 'Have you heard of consistent hashing?', closed: true },
  { text: "A linked list is clearly the wrong choice here, isn't it?", leading: true },
  { text: 'You would never store passwords in plain text, would you?', leading: true },
  { text: "Shouldn't you check for null first?", leading: true, closed: true },
  { text: 'I take it you have used Postgres a lot?', leading: true },
  { text: 'So the answer is O(n log n), correct?', leading: true },
];

/**
 * A third set, written after the second round of rule changes and scored once, with no change to the rules
 * afterwards: the figure to quote for phrasings the rules were never tuned on.
 */
export const FRESH_QUESTIONS: readonly LabelledQuestion[] = [
  { text: 'Do you have little ones at home?', topic: 'family', closed: true },
  { text: 'How would you handle the on-call rota with a newborn?', topic: 'family' },
  { text: 'Is your husband also an engineer?', topic: 'marital-status', closed: true },
  { text: 'Will your girlfriend move with you?', topic: 'marital-status', closed: true },
  { text: 'What year did you get your first job, roughly how old were you?', topic: 'age' },
  { text: 'How many years until you plan to stop working?', topic: 'age' },
  { text: 'Do you attend any religious services?', topic: 'religion', closed: true },
  { text: 'Which church do you belong to?', topic: 'religion' },
  { text: 'Is that an Indian name?', topic: 'nationality', closed: true },
  { text: 'How long have you lived in this country?', topic: 'nationality' },
  { text: 'Have you ever had a back injury?', topic: 'disability', closed: true },
  { text: 'Do you suffer from any allergies or illnesses?', topic: 'disability', closed: true },
  { text: 'Are you seeing a therapist at the moment?', topic: 'disability', closed: true },
  { text: 'Can you start on the first of the month?', closed: true },
  { text: 'Are you able to work from the office three days a week?', closed: true },
  { text: 'Would you require visa sponsorship to take this job?', closed: true },
  { text: 'Are you legally permitted to work in Germany?', closed: true },
  { text: 'What name should we use on the offer letter?' },
  { text: 'How do you keep the parent and child tables consistent?' },
  { text: 'What happens to orphaned child rows when a parent is deleted?' },
  { text: 'How would you make the report accessible to screen reader users?' },
  { text: 'What is the age of the oldest entry the cache may return?' },
  { text: 'Could you describe the migration you led?' },
  { text: 'How did you measure the improvement?' },
  { text: 'Did the rollout go smoothly?', closed: true },
  { text: 'Is it possible that the index is missing?', closed: true },
  { text: 'Have you profiled it yet?', closed: true },
  { text: "Caching would fix this, wouldn't it?", leading: true },
  { text: 'Naturally you would write tests first?', leading: true },
  { text: "So you'd just retry forever, yes?", leading: true },
  { text: 'Would you not agree that the monolith was the problem?', leading: true, closed: true },
];
