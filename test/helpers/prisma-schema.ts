// A small reader of schema.prisma for tests: models, their scalar fields (type, optional) and index/unique
// declarations, so migrated databases can be compared with the schema they claim to implement.
import { readFileSync } from 'node:fs';

export interface SchemaField {
  name: string;
  type: string;
  optional: boolean;
  unique: boolean;
  id: boolean;
}

export interface SchemaModel {
  name: string;
  fields: SchemaField[];
  /** Column lists of @@index / @@unique and of single-field @unique. */
  indexes: Array<{ columns: string[]; unique: boolean }>;
}

const SCALARS = new Set(['String', 'Int', 'Boolean', 'DateTime', 'Float', 'BigInt', 'Decimal', 'Json', 'Bytes']);

export function readSchema(file: string): SchemaModel[] {
  const text = readFileSync(file, 'utf8');
  const models: SchemaModel[] = [];
  for (const m of text.matchAll(/^model (\w+) \{([\s\S]*?)^\}/gm)) {
    const model: SchemaModel = { name: m[1], fields: [], indexes: [] };
    for (const raw of m[2].split('\n')) {
      const line = raw.replace(/\/\/.*$/, '').trim();
      if (!line) continue;
      const block = /^@@(index|unique)\(\[([^\]]+)\]/.exec(line);
      if (block) {
        model.indexes.push({ unique: block[1] === 'unique', columns: block[2].split(',').map((c) => c.trim()) });
        continue;
      }
      const f = /^(\w+)\s+(\w+)(\[\])?(\?)?(.*)$/.exec(line);
      if (!f || !SCALARS.has(f[2]) || f[3]) continue; // relations and lists are not columns
      const field = { name: f[1], type: f[2], optional: Boolean(f[4]), unique: /@unique/.test(f[5]), id: /@id/.test(f[5]) };
      model.fields.push(field);
      if (field.unique) model.indexes.push({ unique: true, columns: [field.name] });
    }
    models.push(model);
  }
  return models;
}
