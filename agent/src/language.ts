/**
 * Words that label emotions, inner states or personality traits. Hints describe observable behaviour
 * ("no speech for 9 s after the question"), never what the candidate feels or is; any hint or prompt text
 * containing one of these is refused.
 */
export const EMOTION_AND_TRAIT_WORDS: readonly string[] = [
  'afraid',
  'angry',
  'anxious',
  'anxiety',
  'arrogant',
  'bored',
  'calm',
  'confident',
  'confused',
  'depressed',
  'dishonest',
  'embarrassed',
  'emotional',
  'excited',
  'extrovert',
  'fear',
  'frustrated',
  'frustration',
  'happy',
  'honest',
  'insecure',
  'intelligent',
  'introvert',
  'lazy',
  'lying',
  'liar',
  'nervous',
  'nervousness',
  'overwhelmed',
  'panic',
  'panicking',
  'personality',
  'sad',
  'scared',
  'shy',
  'smart',
  'stressed',
  'stress',
  'stupid',
  'uncomfortable',
  'upset',
  'worried',
];

const pattern = new RegExp(`\\b(${EMOTION_AND_TRAIT_WORDS.join('|')})\\b`, 'i');

/** The first emotion or trait word in `text`, or undefined when it only describes behaviour. */
export function emotionLabelIn(text: string): string | undefined {
  return pattern.exec(text)?.[1]?.toLowerCase();
}
