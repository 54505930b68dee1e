/**
 * Per-channel allowlists for chat platforms: a Slack or Discord channel may only run the
 * tools (or toolsets) listed for it. Platforms with no allowlist configured allow everything,
 * so a fresh install works; once a platform has one, unlisted channels run nothing.
 * `mcp` lists the tools (or toolsets) MCP clients of Vigie's own server may list and call.
 * The check itself is part of the policy (src/auth/policy.ts, `channelAllows`).
 */
import { z } from 'zod';

/** platform → channel id → tool or toolset names (`*` for all). */
export const channelAllowlistSchema = z.object({
  slack: z.record(z.string(), z.array(z.string())).optional(),
  discord: z.record(z.string(), z.array(z.string())).optional(),
  mcp: z.array(z.string()).optional(),
});
/** Parsed TOOL_CHANNEL_ALLOWLIST. */
export type ChannelAllowlist = z.infer<typeof channelAllowlistSchema>;

/** Parses the JSON text of TOOL_CHANNEL_ALLOWLIST (empty → no restriction). */
export function parseChannelAllowlist(text: string | undefined): ChannelAllowlist {
  if (!text) return {};
  try {
    return channelAllowlistSchema.parse(JSON.parse(text));
  } catch (error) {
    throw new Error(`TOOL_CHANNEL_ALLOWLIST must be JSON like {"slack":{"C0123":["core","net_check"]}}: ${(error as Error).message}`);
  }
}
