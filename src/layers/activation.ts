import type { Sym } from '../engine/graph.js';
import { relu, sigmoid, tanh } from '../engine/ops.js';

export const ACTIVATIONS = ['relu', 'tanh', 'sigmoid', 'linear'] as const;
export type Activation = (typeof ACTIVATIONS)[number];

export function activate(x: Sym, activation: Activation): Sym {
  switch (activation) {
    case 'relu':
      return relu(x);
    case 'tanh':
      return tanh(x);
    case 'sigmoid':
      return sigmoid(x);
    case 'linear':
      return x;
  }
}
