// The ssh_config differential corpus, one module per theme (see test/ssh/config-differential.test.ts).
import type { ConfigCase } from '../support/config-case.js';
import { algorithmCases } from './algorithms.js';
import { commandLineCases } from './command-line.js';
import { finalPassCases } from './final-pass.js';
import { firstValueCases } from './first-value.js';
import { hostKeyCases } from './host-keys.js';
import { hostPatternCases } from './host-patterns.js';
import { includeCases } from './include.js';
import { matchCases } from './match.js';
import { optionCases } from './options.js';
import { proxyCases } from './proxy.js';
import { realWorldCases } from './real-world.js';
import { syntaxCases } from './syntax.js';
import { tokenCases } from './tokens.js';

export const CASES: readonly ConfigCase[] = [
  ...includeCases,
  ...hostPatternCases,
  ...matchCases,
  ...firstValueCases,
  ...syntaxCases,
  ...tokenCases,
  ...proxyCases,
  ...hostKeyCases,
  ...commandLineCases,
  ...finalPassCases,
  ...algorithmCases,
  ...optionCases,
  ...realWorldCases,
];
