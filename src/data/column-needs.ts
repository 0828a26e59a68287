/**
 * Which raw columns a feature/label config reads, and as what: numeric features, labels and
 * flag columns as numbers; categorical and multi-value columns as interned strings. A column
 * used both ways is stored as strings and parsed on demand (RawTable.numbers).
 */
import type { FeatureConfig, LabelConfig } from './data-config.js';
import { addNeed, type ColumnNeeds } from './raw-table.js';

export interface ColumnNeedsOptions {
  /** Label columns may be absent (prediction input). */
  labelsOptional?: boolean;
}

export function columnNeeds(features: readonly FeatureConfig[], labels: readonly LabelConfig[], options: ColumnNeedsOptions = {}): ColumnNeeds {
  const needs: ColumnNeeds = new Map();
  for (const feature of features) {
    switch (feature.type) {
      case 'categorical':
        addNeed(needs, feature.column, 'string');
        break;
      case 'numeric':
        addNeed(needs, feature.column, 'numeric');
        break;
      case 'multi_value':
        if (feature.flagColumns) for (const column of feature.flagColumns) addNeed(needs, column, 'numeric');
        else addNeed(needs, feature.column ?? feature.name, 'string');
        break;
      case 'sequence':
        addNeed(needs, feature.column ?? feature.name, 'string');
        break;
    }
  }
  for (const label of labels) addNeed(needs, label.column, 'numeric', options.labelsOptional ?? false);
  return needs;
}
