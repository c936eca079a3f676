import { audit } from './audit.ts';
import { batches } from './batches.ts';
import { common } from './common.ts';
import { evaluator } from './evaluator.ts';
import { investor } from './investor.ts';
import { ministry } from './ministry.ts';
import { operator } from './operator.ts';
import { overview } from './overview.ts';
import { signin } from './signin.ts';

/** The Russian texts: the console's reference language. */
export const ru = { common, signin, overview, ministry, investor, operator, batches, evaluator, audit };
export type Messages = typeof ru;
