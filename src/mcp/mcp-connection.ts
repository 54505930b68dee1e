/**
 * One live connection to an external MCP server: a stdio child (minimal environment: no
 * inherited secrets) or Streamable HTTP. It keeps the server's tool list (refreshed on
 * `notifications/tools/list_changed`), says why it is unavailable when it is, and reconnects
 * with exponential backoff after a crash or a hang, so a dead server costs a clear error,
 * never a hung turn.
 */
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import { ErrorCode, ToolListChangedNotificationSchema, type CallToolResult, type Tool } from '@modelcontextprotocol/sdk/types.js';
import os from 'node:os';
import type { Logger } from '../logger.js';
import { VERSION } from '../version.js';
import type { McpServerSpec } from './mcp-server-config.js';

/** Where a connection stands (shown on /health and in GET /api/mcp/servers). */
export interface ConnectionStatus {
  state: 'connecting' | 'connected' | 'unavailable' | 'closed';
  detail?: string | undefined;
  tools: number;
  connectedAt: string | null;
  failures: number;
  nextRetryAt: string | null;
}

/** Backoff and deadlines (tests shorten them). */
export interface ConnectionTimings {
  connectTimeoutMs: number;
  initialBackoffMs: number;
  maxBackoffMs: number;
}

const DEFAULT_TIMINGS: ConnectionTimings = { connectTimeoutMs: 20_000, initialBackoffMs: 1_000, maxBackoffMs: 60_000 };
const MAX_TOOLS = 500;

/** Minimal environment for a stdio server: locale plus what the admin gave it. The SDK adds PATH, HOME, USER, SHELL, TERM. */
export function stdioEnvironment(spec: McpServerSpec): Record<string, string> {
  return { LANG: 'C.UTF-8', ...spec.env };
}

/** A connection that keeps itself up. */
export class McpConnection {
  private client: Client | undefined;
  private transport: Transport | undefined;
  private tools: Tool[] = [];
  private status: ConnectionStatus = { state: 'connecting', tools: 0, connectedAt: null, failures: 0, nextRetryAt: null };
  private retryTimer: NodeJS.Timeout | undefined;
  private closed = false;
  private generation = 0;
  /** The end of the stdio child's stderr, appended to failure reasons so admins see why it died. */
  private stderrTail = '';

  constructor(
    readonly spec: McpServerSpec,
    private readonly logger: Logger,
    private readonly onToolsChanged: () => void,
    private readonly timings: ConnectionTimings = DEFAULT_TIMINGS,
  ) {}

  /** The current status. */
  current(): ConnectionStatus {
    return { ...this.status, tools: this.tools.length };
  }

  /** The server's tools as last listed; kept while unavailable so they show up with the reason. */
  listedTools(): Tool[] {
    return this.tools;
  }

  /** The stdio child's pid (tests kill it to simulate a crash). */
  get pid(): number | null {
    return this.transport instanceof StdioClientTransport ? this.transport.pid : null;
  }

  /** Connects once; on failure schedules retries and resolves with the failure reason. */
  async connect(): Promise<ConnectionStatus> {
    if (this.closed) return this.current();
    const generation = ++this.generation;
    this.status = { ...this.status, state: 'connecting', nextRetryAt: null };
    const client = new Client({ name: 'vigie', version: VERSION }, { capabilities: {} });
    const transport = this.createTransport();
    this.client = client;
    this.transport = transport;
    client.onclose = () => this.lost(generation, 'the server closed the connection');
    client.onerror = (error) => this.logger.warn({ mcpServer: this.spec.name, err: error }, 'MCP server transport error');
    client.setNotificationHandler(ToolListChangedNotificationSchema, () => {
      this.refresh(generation).catch((error: unknown) =>
        this.logger.warn({ mcpServer: this.spec.name, err: error }, 'MCP tool list refresh failed'),
      );
    });
    try {
      await client.connect(transport, { timeout: this.timings.connectTimeoutMs });
      await this.refresh(generation);
      if (generation !== this.generation) return this.current();
      this.status = { state: 'connected', tools: this.tools.length, connectedAt: new Date().toISOString(), failures: 0, nextRetryAt: null };
      this.logger.info({ mcpServer: this.spec.name, tools: this.tools.length }, `MCP server ${this.spec.name} connected`);
      this.onToolsChanged();
    } catch (error) {
      this.fail(generation, describe(error));
    }
    return this.current();
  }

  /** Calls a tool; rejects when the server is gone, the deadline passes or `signal` aborts. */
  async callTool(name: string, args: Record<string, unknown>, signal: AbortSignal, timeoutMs: number): Promise<CallToolResult> {
    const client = this.client;
    if (!client || this.status.state !== 'connected')
      throw new Error(`MCP server ${this.spec.name} is unavailable: ${this.status.detail ?? this.status.state}`);
    const generation = this.generation;
    try {
      const result = await client.callTool({ name, arguments: args }, undefined, {
        signal,
        timeout: timeoutMs,
        maxTotalTimeout: timeoutMs,
      });
      return result as CallToolResult;
    } catch (error) {
      // A call that ran out of time may mean a hung server: one that no longer answers a ping is restarted.
      if (signal.aborted || (error as { code?: unknown }).code === ErrorCode.RequestTimeout) this.checkAlive(client, generation);
      throw error;
    }
  }

  private checkAlive(client: Client, generation: number): void {
    client.ping({ timeout: Math.min(5_000, this.timings.connectTimeoutMs) }).catch((error: unknown) => {
      this.lost(generation, `the server stopped answering (ping: ${describe(error)})`);
    });
  }

  /** Stops for good: no more retries, child process ended. */
  async close(): Promise<void> {
    this.closed = true;
    this.generation += 1;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.status = { ...this.status, state: 'closed', detail: 'removed', nextRetryAt: null };
    await this.client
      ?.close()
      .catch((error: unknown) => this.logger.warn({ mcpServer: this.spec.name, err: error }, 'MCP client close failed'));
  }

  private createTransport(): Transport {
    if (this.spec.transport === 'http') {
      return new StreamableHTTPClientTransport(new URL(this.spec.url!), { requestInit: { headers: this.spec.headers, redirect: 'error' } });
    }
    const transport = new StdioClientTransport({
      command: this.spec.command!,
      args: this.spec.args,
      env: stdioEnvironment(this.spec),
      stderr: 'pipe',
      cwd: os.tmpdir(),
    });
    // The server's stderr goes to our log (bounded lines), never to the terminal.
    this.stderrTail = '';
    transport.stderr?.on('data', (chunk: Buffer) => {
      const text = chunk.toString('utf8');
      this.stderrTail = (this.stderrTail + text).slice(-300);
      this.logger.debug({ mcpServer: this.spec.name, stderr: text.slice(0, 2000) }, 'MCP server stderr');
    });
    return transport;
  }

  private async refresh(generation: number): Promise<void> {
    const client = this.client;
    if (!client || generation !== this.generation) return;
    const tools: Tool[] = [];
    let cursor: string | undefined;
    do {
      const page = await client.listTools(cursor ? { cursor } : undefined, { timeout: this.timings.connectTimeoutMs });
      tools.push(...page.tools);
      cursor = page.nextCursor;
    } while (cursor && tools.length < MAX_TOOLS);
    if (generation !== this.generation) return;
    this.tools = tools.slice(0, MAX_TOOLS);
    if (this.status.state === 'connected') this.onToolsChanged();
  }

  private lost(generation: number, reason: string): void {
    if (generation !== this.generation || this.closed) return;
    this.fail(generation, reason);
  }

  private fail(generation: number, reason: string): void {
    if (generation !== this.generation || this.closed) return;
    this.generation += 1;
    const failures = this.status.failures + 1;
    const delay = Math.min(this.timings.maxBackoffMs, this.timings.initialBackoffMs * 2 ** Math.min(failures - 1, 16));
    const wasConnected = this.status.state === 'connected';
    const tail = this.stderrTail.replace(/\s+/g, ' ').trim();
    if (tail) reason = `${reason} (stderr: …${tail.slice(-200)})`;
    this.status = {
      state: 'unavailable',
      detail: reason.slice(0, 500),
      tools: this.tools.length,
      connectedAt: null,
      failures,
      nextRetryAt: new Date(Date.now() + delay).toISOString(),
    };
    this.logger.warn({ mcpServer: this.spec.name, reason, retryInMs: delay }, `MCP server ${this.spec.name} unavailable: ${reason}`);
    const client = this.client;
    this.client = undefined;
    this.transport = undefined;
    client?.close().catch((error: unknown) => this.logger.debug({ mcpServer: this.spec.name, err: error }, 'closing a failed MCP client'));
    if (wasConnected) this.onToolsChanged();
    this.retryTimer = setTimeout(() => void this.connect(), delay);
    this.retryTimer.unref();
  }
}

function describe(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const code = (error as { code?: unknown })?.code;
  return (typeof code === 'string' && !message.includes(code) ? `${code}: ${message}` : message).slice(0, 500);
}
