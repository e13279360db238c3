#!/usr/bin/env node
// npm run schema: the JSON Schema of the --json event stream (and of the run log's
// events.jsonl), generated from the TypeScript type DplEvent by ts-json-schema-generator
// and written to schema/events.v<N>.json, N being run.start's `schema` field.
//   node scripts/schema.mjs           write the file
//   node scripts/schema.mjs --stdout  print it instead (the drift test compares the two)
// The generator reads one declaration of an interface, but EventMap is declared in
// src/core/events.ts and extended by `declare module` in every domain module: the
// parser added here reads all of a merged interface's declarations as one object.
import { writeFileSync, mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import ts from 'typescript';
import {
  createFormatter,
  createParser,
  createProgram,
  Context,
  InterfaceAndClassNodeParser,
  ObjectType,
  SchemaGenerator,
} from 'ts-json-schema-generator';

const ROOT = resolve(import.meta.dirname, '..');

/** An interface with several declarations (declaration merging, module augmentation): one object of all their members. */
class MergedInterfaceParser {
  constructor(checker, child) {
    this.checker = checker;
    this.one = new InterfaceAndClassNodeParser(checker, child, false);
  }

  declarations(node) {
    const symbol = this.checker.getSymbolAtLocation(node.name);
    return (symbol?.declarations ?? []).filter(ts.isInterfaceDeclaration);
  }

  supportsNode(node) {
    return ts.isInterfaceDeclaration(node) && !node.typeParameters?.length && this.declarations(node).length > 1;
  }

  createType(node, context, reference) {
    const parts = this.declarations(node).map((d) => this.one.createType(d, new Context(d)));
    const seen = new Map();
    for (const part of parts) {
      for (const p of part.getProperties()) {
        if (seen.has(p.getName())) throw new Error(`${node.name.text}: '${p.getName()}' is declared twice`);
        seen.set(p.getName(), p);
      }
    }
    const id = `merged-${node.name.text}`;
    reference?.setId(id);
    reference?.setName(id);
    return new ObjectType(id, [], [...seen.values()], false);
  }
}

/** The schema object: one branch per event type, told apart by `type`. */
export function buildEventSchema() {
  const config = { tsconfig: join(ROOT, 'tsconfig.json'), type: 'DplEvent', expose: 'export', topRef: false, additionalProperties: false, skipTypeCheck: true, jsDoc: 'extended', sortProps: true };
  const program = createProgram(config);
  const parser = createParser(program, config, (chain) => chain.addNodeParser(new MergedInterfaceParser(program.getTypeChecker(), chain)));
  const generated = new SchemaGenerator(program, parser, createFormatter(config), config).createSchema(config.type);

  const { definitions, anyOf, ...rest } = generated;
  if (!anyOf || Object.keys(rest).some((k) => k !== '$schema')) throw new Error('DplEvent did not become a union of objects: ' + JSON.stringify(Object.keys(generated)));
  const branches = anyOf.map((b) => (b.$ref ? definitions[b.$ref.replace('#/definitions/', '')] : b));
  const types = branches.map((b) => b.properties?.type?.const);
  const bad = types.findIndex((t) => typeof t !== 'string');
  if (bad >= 0) throw new Error(`event branch ${bad} has no constant "type": ${JSON.stringify(branches[bad]).slice(0, 300)}`);
  const start = branches[types.indexOf('run.start')];
  const version = start?.properties?.schema?.const;
  if (!Number.isInteger(version)) throw new Error("run.start must carry `schema: <N>` (a number literal), the stream's schema version");

  // type and time first in each branch; time is what EventBus.emit writes (Date#toISOString).
  const TIME = { type: 'string', format: 'date-time', description: 'When the event was emitted (ISO 8601, UTC).' };
  const order = branches
    .map(({ properties: { type, time: _time, ...fields }, ...b }) => ({ ...b, properties: { type, time: TIME, ...fields } }))
    .sort((a, b) => a.properties.type.const.localeCompare(b.properties.type.const));
  // An event whose payload is a union (deploy.recover's states) comes out as several branches of one
  // type: join them as one branch, its variants under anyOf, so `type` still picks exactly one branch.
  const byType = new Map();
  for (const b of order) byType.set(b.properties.type.const, [...(byType.get(b.properties.type.const) ?? []), b]);
  const joined = [...byType].map(([type, variants]) =>
    variants.length === 1 ? variants[0] : { type: 'object', properties: { type: { type: 'string', const: type } }, required: ['type'], anyOf: variants },
  );
  return {
    $schema: 'http://json-schema.org/draft-07/schema#',
    $id: `urn:dpl-deploy:schema:events:v${version}`,
    title: `dpl event stream, version ${version}`,
    description:
      'One object per line of `dpl --json` (stdout) and of .dpl/logs/<run>/events.jsonl. run.start carries `schema` (this version). ' +
      'Adding an event type or an optional field keeps this version; removing or renaming an event or a field, changing a type, or making a field required makes the next version.',
    $comment: 'Generated by `npm run schema` from DplEvent (src/core/events.ts and its `declare module` augmentations). Do not edit by hand.',
    type: 'object',
    properties: { type: { type: 'string', description: 'The event type: one of the branches below.' }, time: TIME },
    required: ['type', 'time'],
    discriminator: { propertyName: 'type' },
    oneOf: joined,
    ...(definitions && Object.keys(definitions).length ? { definitions: sortKeys(definitions) } : {}),
  };
}

function sortKeys(o) {
  return Object.fromEntries(Object.keys(o).sort().map((k) => [k, o[k]]));
}

export function schemaFile(schema) {
  return join(ROOT, 'schema', `events.v${schema.$id.split(':v').pop()}.json`);
}

if (process.argv[1] && resolve(process.argv[1]) === resolve(import.meta.filename)) {
  const schema = buildEventSchema();
  const text = JSON.stringify(schema, null, 2) + '\n';
  if (process.argv.includes('--stdout')) process.stdout.write(text);
  else {
    const file = schemaFile(schema);
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, text);
    console.log(`${file.slice(ROOT.length + 1)}: ${schema.oneOf.length} event types`);
  }
}
