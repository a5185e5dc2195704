// How many native datasets and boosters are alive: a leak check for tests and long-running jobs.
import { addon } from './native.js';

export function liveHandles(): { datasets: number; boosters: number } {
  return addon().liveHandles();
}
