/** Entry of a UpdatePool helper thread. */
import { workerData } from 'node:worker_threads';
import { helperLoop, type HelperData } from './update-pool.js';

helperLoop(workerData as HelperData);
