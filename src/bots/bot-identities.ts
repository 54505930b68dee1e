/**
 * Who is talking: a Slack or Discord account resolves to the Vigie user it is linked to
 * (`vigie users link`), so chat users get exactly the permissions they have in the console.
 * Unmapped accounts either get their own `viewer` user (created once, linked, audited, and
 * promotable by an admin later) or are refused, as BOTS_UNMAPPED_USERS says.
 */
import { identityLinker, userCreator } from '../actions/users.js';
import type { AuditLog } from '../audit/audit-log.js';
import type { Principal } from '../auth/principal.js';
import { ConflictError, ForbiddenError, ValidationError } from '../errors.js';
import type { PrismaClient } from '../generated/prisma/client.js';

/** What to do with chat users that no admin has linked. */
export type UnmappedUserPolicy = 'viewer' | 'refuse';

/** A chat account as the platform names it. */
export interface ExternalAccount {
  provider: 'slack' | 'discord';
  /** Slack team id or Discord guild id ('' when none). */
  workspace: string;
  externalId: string;
}

const ID_PATTERN = /^[\w.-]{1,128}$/;

/** Resolves chat accounts to principals. */
export class BotIdentities {
  constructor(
    private readonly prisma: PrismaClient,
    private readonly audit: AuditLog,
    private readonly policy: UnmappedUserPolicy,
  ) {}

  /** The principal of an account; ForbiddenError when refused or disabled. */
  async resolve(account: ExternalAccount): Promise<Principal> {
    if (!ID_PATTERN.test(account.externalId) || (account.workspace !== '' && !ID_PATTERN.test(account.workspace))) {
      throw new ValidationError('Malformed chat account id');
    }
    const linked = await this.find(account);
    if (linked) return linked;
    if (this.policy === 'refuse') {
      throw new ForbiddenError(`Your ${account.provider} account is not linked to a Vigie user; ask an admin to run "vigie users link"`);
    }
    const system = { userId: '', userName: `${account.provider}-bot`, channel: 'system' as const };
    const name = `${account.provider}-${account.workspace ? `${account.workspace}-` : ''}${account.externalId}`.toLowerCase().slice(0, 100);
    try {
      const user = await userCreator(this.prisma, this.audit, system, {
        name,
        displayName: `${account.provider} user ${account.externalId}`,
        role: 'viewer',
      });
      await identityLinker(this.prisma, this.audit, system, user.id, account);
    } catch (error) {
      // Two deliveries for the same new account raced: the other one created it.
      if (!(error instanceof ConflictError)) throw error;
    }
    const created = await this.find(account);
    if (!created) throw new ForbiddenError(`Could not map your ${account.provider} account; ask an admin to link it`);
    return created;
  }

  /** The principal of an already linked account, or undefined (never creates a user: App Home uses it). */
  async lookup(account: ExternalAccount): Promise<Principal | undefined> {
    if (!ID_PATTERN.test(account.externalId) || (account.workspace !== '' && !ID_PATTERN.test(account.workspace))) return undefined;
    return this.find(account);
  }

  private async find(account: ExternalAccount): Promise<Principal | undefined> {
    const rows = await this.prisma.externalIdentity.findMany({
      where: { provider: account.provider, externalId: account.externalId, workspace: { in: [account.workspace, ''] } },
      include: { user: true },
    });
    // An identity linked for this workspace wins over one linked without a workspace.
    const row = rows.find((candidate) => candidate.workspace === account.workspace) ?? rows[0];
    if (!row) return undefined;
    if (row.user.disabledAt) throw new ForbiddenError('Your Vigie user is disabled');
    return { userId: row.user.id, userName: row.user.name, role: row.user.role, tokenId: null };
  }
}
