/**
 * The example capability: the smallest module that uses every entry a capability can bring
 * (a tool, a REST route, a CLI command, a /health section, a metric). It lives in the test
 * tree to prove that one line in a capability list reaches all four surfaces; copy this
 * folder to start a real capability (docs/architecture.md).
 */
import type { Command } from 'commander';
import { z } from 'zod';
import { defineCapability, type Capability } from '../../../src/core/capability.js';
import { counter } from '../../../src/core/metrics.js';
import { defineTool } from '../../../src/tools/tool-contract.js';

/** The text the example echoes: bounded, and checked for NUL and lone surrogates at the boundary. */
const echoText = z.string().trim().min(1).max(200);

/** Where `vigie example echo` writes (tests capture it). */
export interface ExampleOutput {
  write(line: string): void;
}

/** The example capability; `output` receives the CLI command's lines (stdout by default). */
export function exampleCapability(output: ExampleOutput = { write: (line) => process.stdout.write(`${line}\n`) }): Capability {
  return defineCapability({
    name: 'example',
    cliCommands(program: Command) {
      program
        .command('example')
        .description('example capability (test tree only)')
        .command('echo <text>')
        .description('prints <text> back')
        .action((text: string) => output.write(`echo: ${echoText.parse(text)}`));
    },
    create(core) {
      const echoes = counter(core.metrics, {
        name: 'vigie_example_echoes_total',
        help: 'Texts echoed by the example capability, by surface',
        labelNames: ['surface'],
      });
      let count = 0;
      const echo = (text: string, surface: 'tool' | 'rest') => {
        count += 1;
        echoes.inc({ surface });
        return { echo: text };
      };
      return {
        name: 'example',
        toolset: {
          name: 'example',
          description: 'The example capability (test tree only).',
          checkPrerequisites: async () => ({ ok: true }),
          tools: [
            defineTool({
              name: 'example_echo',
              description: 'Echoes a text back.',
              inputSchema: z.object({ text: echoText }).strict(),
              outputSchema: z.object({ echo: z.string() }),
              risk: 'read',
              minRole: 'viewer',
              timeoutMs: 5_000,
              aliases: ['example echo'],
              positional: ['text'],
              examples: ['example echo hello'],
              execute: async (input) => ({ status: 'success', data: echo(input.text, 'tool') }),
            }),
          ],
        },
        routes(routes) {
          routes.add({
            method: 'get',
            path: '/example/echo',
            tag: 'Example',
            summary: 'Echoes a text back (example capability)',
            query: z.object({ text: echoText }),
            success: { status: 200, description: 'The text', schema: z.object({ echo: z.string() }) },
            handler: async ({ query }) => echo(query.text, 'rest'),
          });
        },
        health: () => ({ status: 'ok', echoes: count }),
        metrics: [echoes],
      };
    },
  });
}
