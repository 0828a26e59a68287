/**
 * Errors a user can act on. Every error raised on bad input or bad configuration is a
 * DeeprankError carrying where it happened, so the CLI prints one line and exits 2.
 */
export interface ErrorLocation {
  file?: string;
  /** 1-based data row (header excluded) or line number, as a user would count it. */
  row?: number;
  /** Column, field or config path the problem is in. */
  field?: string;
}

export class DeeprankError extends Error {
  readonly location: ErrorLocation;
  constructor(message: string, location: ErrorLocation = {}) {
    super(message);
    this.name = new.target.name;
    this.location = location;
  }

  /** One line: `file:row: field 'x': message`. */
  describe(): string {
    const { file, row, field } = this.location;
    const where = [file, row !== undefined ? `row ${row}` : undefined].filter(Boolean).join(', ');
    const parts = [where, field ? `field '${field}'` : undefined].filter(Boolean).join(': ');
    // Config messages start with their own field path; say it once.
    const message = field && this.message.startsWith(`${field}: `) ? this.message.slice(field.length + 2) : this.message;
    return parts ? `${parts}: ${message}` : message;
  }
}

/** Malformed or inconsistent data file. */
export class DataError extends DeeprankError {}

/** Invalid configuration (YAML/JSON config, layer or model arguments). */
export class ConfigError extends DeeprankError {}

/** A saved model, checkpoint or artifact that cannot be used. */
export class ArtifactError extends DeeprankError {}

/** A model bundle that is corrupt, tampered with or inconsistent with itself. */
export class BundleError extends ArtifactError {}
