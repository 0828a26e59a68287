import { ConfigError } from '../errors.js';
import { afm } from './afm.js';
import { dcn } from './dcn.js';
import { dcnMix, dcnV2 } from './dcn-v2.js';
import { deepCrossing } from './deep-crossing.js';
import { deepfm } from './deepfm.js';
import { dlrm } from './dlrm.js';
import { din } from './din.js';
import { dien } from './dien.js';
import { sim } from './sim.js';
import { dnn } from './dnn.js';
import { fnn } from './fnn.js';
import { fm } from './fm.js';
import { gmf } from './gmf.js';
import { lr } from './lr.js';
import { mmoe } from './mmoe.js';
import { ncfMlp } from './ncf-mlp.js';
import { neumf } from './neumf.js';
import { nfm } from './nfm.js';
import { ple } from './ple.js';
import { ipnn, opnn } from './pnn.js';
import type { ModelDefinition } from './model-definition.js';
import { sharedBottom } from './shared-bottom.js';
import { twoTower } from './two-tower.js';
import { wideDeep } from './wide-deep.js';

const MODELS: readonly ModelDefinition<any>[] = [lr, fm, dnn, wideDeep, deepfm, dcn, dcnV2, dcnMix, dlrm, nfm, deepCrossing, ipnn, opnn, afm, fnn, twoTower, gmf, ncfMlp, neumf, sharedBottom, mmoe, ple, din, dien, sim];

export const MODEL_TYPES = MODELS.map((m) => m.type);

export function modelDefinition(type: string): ModelDefinition<unknown> {
  const found = MODELS.find((m) => m.type === type);
  if (!found) throw new ConfigError(`unknown model type '${type}'; one of: ${MODEL_TYPES.join(', ')}`, { field: 'model.type' });
  return found;
}
