/**
 * The subjects the local stack's development sign-in suggests
 * (functions/api/dev.ts): a local scenario (`npm start`) writes its deciding
 * subjects to `<data dir>/sign-in.json`. Kept apart from the handler so that
 * the CLI can write the file without loading any handler module (their
 * logger reads its settings once, when loaded).
 */
import * as z from 'zod';
import { API_ROLES } from '../adapters/local-token.ts';

/** The file, in the local stack's data dir. */
export const SIGN_IN_FILE = 'sign-in.json';

export const SuggestedSubjectSchema = z.strictObject({
  subject: z.string(),
  role: z.enum(API_ROLES),
  label: z.string().describe('who this subject is, in a few words'),
});
export type SuggestedSubject = z.infer<typeof SuggestedSubjectSchema>;

/** The file's content. */
export const SignInFileSchema = z.strictObject({ subjects: z.array(SuggestedSubjectSchema) });
