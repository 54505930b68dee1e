/**
 * The Vigie live console: log in with a token (kept in sessionStorage), pick or create a
 * conversation, chat over Socket.IO with streamed assistant output and tool cards, and, for
 * admins, watch the audit feed. Plain TypeScript bundled by esbuild at build time.
 */
import type { ConversationView, MessageView } from '../actions/conversation-views.js';
import type { ExecutionView, JoinResult, SyncPage } from '../contracts/event-maps.js';
import { ApiClient, type Me } from './api.js';
import { ApprovalsPanel } from './approvals-panel.js';
import { ChatView, toolCard } from './chat-view.js';
import { ask, openConnection, sendIdempotent, type ConnectionState, type ConsoleSocket } from './connection.js';
import { byId, element, randomId, shortTime } from './dom.js';
import { browserTranslator, translatePage } from './i18n-dom.js';
import { SeqSync } from './seq-sync.js';
import { Sidebar } from './sidebar.js';

// Fixed strings in the browser's language (src/contracts/locales); the server answers in it too.
const i18n = browserTranslator();
translatePage(document, i18n);

const TOKEN_KEY = 'vigie.token';
const names = new Map<string, string>();
let me: Me | null = null;
let socket: ConsoleSocket | null = null;
let current: ConversationView | null = null;
let lastTypingSent = 0;
let typingTimer: ReturnType<typeof setTimeout> | undefined;

let apiClient: ApiClient | null = null;
const chat = new ChatView(
  (message) => {
    if (message.role !== 'user') return message.role;
    if (message.authorId && message.authorId === me?.userId) return 'you';
    return (message.authorId && names.get(message.authorId)) || 'user';
  },
  {
    canAct: () => canDecide(),
    // The server edits the incident's console message; it arrives as message:new and replaces this one.
    act: async (incidentId, action) => {
      if (!apiClient) return 'not signed in';
      try {
        await apiClient.incidentAction(incidentId, action);
        return null;
      } catch (error) {
        return (error as Error).message;
      }
    },
  },
  {
    canDecide: () => canDecide(),
    decide: (executionId, decision, reason) => decide(executionId, decision, reason),
    loadRaw: async (executionId) => {
      if (!apiClient) return null;
      const execution = await apiClient.execution(executionId);
      return { arguments: execution.arguments, result: execution.result };
    },
  },
  i18n,
);
const conversationTitles = new Map<string, string>();
const panel = new ApprovalsPanel(
  () => canDecide(),
  (executionId, decision, reason) => decide(executionId, decision, reason),
  (conversationId) =>
    conversationId ? (conversationTitles.get(conversationId) ?? (conversationId === current?.id ? current.title : undefined)) : undefined,
  i18n,
);
/** Gap detection and catch-up by seq (issue #20): what it delivers is new, in order, once. */
const seqSync = new SeqSync(
  (payload) =>
    socket
      ? ask<SyncPage>(socket, 'conversation:sync', payload)
      : Promise.resolve({ error: { code: 'timeout', message: 'not connected' } }),
  {
    deliver: (conversationId, messages) => {
      if (conversationId === current?.id) for (const message of messages) chat.upsert(message);
    },
    update: (message) => {
      if (message.conversationId === current?.id) chat.upsert(message);
    },
  },
);
// A laptop that slept kept its socket object but may have missed anything: catch up on wake.
document.addEventListener('visibilitychange', () => {
  if (document.visibilityState === 'visible' && socket?.connected) void seqSync.catchUpAll('wake');
});
const composer = byId<HTMLFormElement>('composer');
const input = byId<HTMLTextAreaElement>('composer-input');
const sendButton = byId<HTMLButtonElement>('send-button');
const chatError = byId('chat-error');

function showError(message: string): void {
  chatError.textContent = message;
}

function setState(state: ConnectionState, detail?: string): void {
  const badge = byId('connection-state');
  badge.className = `state state-${state}`;
  const label = i18n.t(`console.${state}`);
  badge.textContent = detail ? `${label} (${detail})` : label;
}

function canDecide(): boolean {
  return me?.role === 'operator' || me?.role === 'admin';
}

async function decide(executionId: string, decision: 'approve' | 'deny', reason?: string): Promise<string | null> {
  if (!socket) return 'not connected';
  const ack =
    decision === 'approve'
      ? await ask(socket, 'execution:approve', { executionId })
      : await ask(socket, 'execution:deny', reason ? { executionId, reason } : { executionId });
  return 'error' in ack ? ack.error.message : null;
}

function showTool(conversationId: string | null, execution: ExecutionView): void {
  const inChat = Boolean(conversationId && conversationId === current?.id);
  if (inChat) chat.tool(execution, (tag) => toolCard(execution, canDecide(), decide, tag, undefined, i18n));
  if (canDecide() || !inChat) panel.update(execution, inChat);
}

/** Operators see every pending approval in the side panel, whichever conversation it is in. */
async function loadPending(api: ApiClient): Promise<void> {
  if (!canDecide()) return;
  try {
    panel.load((await api.executions('pending_approval')).data);
  } catch (error) {
    showError((error as Error).message);
  }
}

function showPresence(users: JoinResult['users']): void {
  for (const user of users) names.set(user.userId, user.userName);
  byId('presence').textContent = users.length ? `Here: ${users.map((user) => user.userName).join(', ')}` : '';
}

/** Joins the room and catches up from the newest seq shown; pages on while `more`. */
async function join(conversationId: string, reason: 'join' | 'reconnect'): Promise<void> {
  if (!socket) return;
  const afterSeq = seqSync.lastSeq(conversationId) ?? chat.latestSeq();
  seqSync.track(conversationId, afterSeq);
  const ack = await ask<JoinResult>(socket, 'conversation:join', { conversationId, afterSeq });
  if ('error' in ack) showError(ack.error.message);
  else if (current?.id === conversationId) {
    showPresence(ack.data.users);
    if (seqSync.applyPage(conversationId, { messages: ack.data.missed, more: ack.data.more, lastSeq: ack.data.lastSeq }))
      void seqSync.catchUp(conversationId, reason);
  }
}

async function openConversation(conversation: ConversationView, api: ApiClient): Promise<void> {
  const previous = current?.id;
  if (current && socket) void ask(socket, 'conversation:leave', { conversationId: current.id });
  current = conversation;
  showError('');
  byId('chat-title').textContent = conversation.title;
  byId('typing-indicator').textContent = '';
  seqSync.forget(previous ?? '');
  try {
    chat.reset(await api.messages(conversation.id));
  } catch (error) {
    showError((error as Error).message);
  }
  await join(conversation.id, 'join');
  input.disabled = false;
  sendButton.disabled = false;
  input.focus();
}

function wireSocket(connection: ConsoleSocket): void {
  // Live messages go through the seq tracker: a gap triggers a catch-up, repeats become updates.
  connection.on('message:new', ({ message }) => {
    if (message.conversationId === current?.id) seqSync.receive(message);
  });
  connection.on('conversation:resync', ({ conversationId, lastSeq }) => seqSync.hint(conversationId, lastSeq));
  connection.on('agent:token', ({ conversationId, messageId, delta }) => {
    if (conversationId === current?.id) chat.token(messageId, delta);
  });
  connection.on('agent:done', ({ conversationId, message }) => {
    if (conversationId === current?.id) seqSync.receive(message);
  });
  connection.on('agent:tool', ({ conversationId, execution }) => showTool(conversationId, execution));
  connection.on('presence', ({ conversationId, users }) => {
    if (conversationId !== current?.id) return;
    showPresence(users);
  });
  connection.on('typing', ({ conversationId, userName }) => {
    if (conversationId !== current?.id) return;
    const indicator = byId('typing-indicator');
    indicator.textContent = i18n.t('console.typing', { name: userName });
    clearTimeout(typingTimer);
    typingTimer = setTimeout(() => (indicator.textContent = ''), 4_000);
  });
  connection.on('audit:event', ({ event }) => {
    const list = byId('audit-list');
    const line = `${shortTime(String(event.createdAt ?? ''))} ${String(event.action)} · ${String(event.actorName ?? event.actorId ?? 'system')} · ${String(event.status ?? '')}`;
    list.prepend(element('li', { text: line }));
    while (list.children.length > 100) list.lastElementChild?.remove();
  });
}

async function send(): Promise<void> {
  const content = input.value.trim();
  if (!content || !current || !socket) return;
  const clientMessageId = randomId();
  input.value = '';
  chat.pending(clientMessageId, content);
  const ack = await sendIdempotent<{ message: MessageView }>(socket, { conversationId: current.id, content, clientMessageId });
  if ('error' in ack) chat.failed(clientMessageId, ack.error.message);
  else if (ack.data.message.conversationId === current.id) seqSync.receive(ack.data.message);
}

let started = false;
const NOTICE_KEY = 'vigie.notice';

function logout(message = ''): void {
  sessionStorage.removeItem(TOKEN_KEY);
  if (started) {
    // Start over from a clean page (no listeners or state left from the previous session).
    sessionStorage.setItem(NOTICE_KEY, message);
    socket?.disconnect();
    location.reload();
    return;
  }
  socket?.disconnect();
  socket = null;
  current = null;
  me = null;
  byId('app-view').hidden = true;
  byId('logout').hidden = true;
  byId('whoami').textContent = '';
  byId('login-view').hidden = false;
  byId('login-error').textContent = message;
  setState('offline');
  byId<HTMLInputElement>('token-input').focus();
}

async function start(token: string): Promise<void> {
  const api = new ApiClient(token);
  apiClient = api;
  try {
    me = await api.me();
  } catch (error) {
    logout((error as { status?: number }).status === 401 ? i18n.t('console.tokenRefused') : (error as Error).message);
    return;
  }
  sessionStorage.setItem(TOKEN_KEY, token);
  started = true;
  names.set(me.userId, me.userName);
  byId('login-view').hidden = true;
  byId('app-view').hidden = false;
  byId('logout').hidden = false;
  byId('whoami').textContent = `${me.userName} (${me.role})`;
  byId('audit-panel').hidden = me.role !== 'admin';
  const sidebar = new Sidebar(api, (conversation) => void openConversation(conversation, api), showError);
  socket = openConnection(token, {
    onState: setState,
    // After a reconnect (maybe to another node), re-join and page what was missed while away.
    onConnected: () => {
      void loadPending(api);
      if (current) void join(current.id, 'reconnect');
    },
    onUnauthorized: () => logout(i18n.t('console.serverRefusedToken')),
  });
  wireSocket(socket);
  await sidebar.refresh();
  for (const conversation of sidebar.known()) conversationTitles.set(conversation.id, conversation.title);
  await showLinkedExecution(api);
}

/** `/?execution=<id>` (the link an MCP client is given for a pending call): shows that execution's card with Approve/Deny. */
async function showLinkedExecution(api: ApiClient): Promise<void> {
  const executionId = new URLSearchParams(location.search).get('execution');
  if (!executionId || !/^[0-9a-f-]{36}$/i.test(executionId)) return;
  try {
    showTool(null, await api.execution(executionId));
  } catch (error) {
    showError(`Execution ${executionId}: ${(error as Error).message}`);
  }
}

byId<HTMLFormElement>('login-form').addEventListener('submit', (event) => {
  event.preventDefault();
  const field = byId<HTMLInputElement>('token-input');
  const token = field.value.trim();
  field.value = '';
  if (token) void start(token);
});
byId('logout').addEventListener('click', () => logout());
composer.addEventListener('submit', (event) => {
  event.preventDefault();
  void send();
});
input.addEventListener('keydown', (event) => {
  if (event.key === 'Enter' && !event.shiftKey && !event.isComposing) {
    event.preventDefault();
    void send();
  }
});
input.addEventListener('input', () => {
  const now = Date.now();
  if (!current || !socket?.connected || now - lastTypingSent < 3_000) return;
  lastTypingSent = now;
  void ask(socket, 'typing', { conversationId: current.id });
});

const saved = sessionStorage.getItem(TOKEN_KEY);
byId('login-error').textContent = sessionStorage.getItem(NOTICE_KEY) ?? '';
sessionStorage.removeItem(NOTICE_KEY);
if (saved) void start(saved);
else byId<HTMLInputElement>('token-input').focus();
