/**
 * A tiny stdio MCP server whose tool list changes: calling `add_tool` registers `extra`,
 * which makes the SDK send `notifications/tools/list_changed` to the client; `spin` hangs
 * the process for good (a busy loop: not even a ping is answered).
 */
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { z } from 'zod';

const server = new McpServer({ name: 'changing', version: '1.0.0' });
server.registerTool('add_tool', { description: 'Adds the extra tool', inputSchema: {} }, async () => {
  server.registerTool('extra', { description: 'Appears later', inputSchema: { word: z.string() } }, async ({ word }) => ({
    content: [{ type: 'text', text: `extra ${word}` }],
  }));
  return { content: [{ type: 'text', text: 'added' }] };
});
server.registerTool('spin', { description: 'Hangs the server', inputSchema: {} }, async () => {
  for (;;) {
    // Busy loop: the event loop never comes back.
  }
});
await server.connect(new StdioServerTransport());
