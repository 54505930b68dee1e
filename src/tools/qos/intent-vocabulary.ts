/**
 * The words the deterministic intent parser knows, in French and English. Kept apart from
 * the parser so adding a phrasing is a one-line change reviewed on its own.
 */
import type { TemplateName } from './templates.js';

/** Builds a case-insensitive whole-word pattern that also works with accented letters. */
export function word(alternatives: string): RegExp {
  return new RegExp(`(?<![\\p{L}\\p{N}_-])(?:${alternatives})(?![\\p{L}\\p{N}_-])`, 'giu');
}

/** What an intent asks for. */
export type IntentAction = 'guarantee' | 'limit' | 'prioritise' | 'fair-share';

/** Action verbs and nouns, longest first within each action. */
export const ACTION_PATTERNS: [IntentAction, RegExp][] = [
  [
    'fair-share',
    word(
      String.raw`(partager [ée]quitablement|partage [ée]quitable|r[ée]partir [ée]quitablement|r[ée]partition [ée]quitable|fair[- ]share|share fairly|shared fairly|[ée]quitablement|fairly)`,
    ),
  ],
  [
    'guarantee',
    word(String.raw`(garantir|garantis|garantissez|garantie|garanti|assurer|assure|r[ée]server|r[ée]serve|guarantee[ds]?|ensure|reserve)`),
  ],
  ['limit', word(String.raw`(limiter|limitez|limite|plafonner|plafonne|brider|bride|restreindre|limit(?:ed)?|cap|throttle|restrict)`)],
  [
    'prioritise',
    word(
      String.raw`(prioriser|prioritiser|priorisez|priorise|prioritaire|privil[ée]gier|favoriser|prioriti[sz]e[ds]?|priority|priorit[ée]|favou?r)`,
    ),
  ],
];

/** Applications and the words that name them. */
export const APPLICATION_PATTERNS: [string, RegExp][] = [
  ['voip', word(String.raw`(voip|voix|voice|t[ée]l[ée]phonie|telephony|sip|appels?|calls?)`)],
  ['video', word(String.raw`(vid[ée]os?|visio(?:conf[ée]rences?)?|videoconferenc(?:e|ing)|streaming)`)],
  ['ssh', word(String.raw`ssh`)],
  ['backups', word(String.raw`(sauvegardes?|backups?|rsync)`)],
  ['web', word(String.raw`(web|https?)`)],
  ['dns', word(String.raw`dns`)],
  ['critical', word(String.raw`(business[- ]critical|critiques?|critical|erp|m[ée]tiers?)`)],
];

/** Template for an action on an application (or on plain traffic: key ''). */
export function templateFor(action: IntentAction, application: string | undefined): TemplateName {
  if (action === 'fair-share') return 'fair-share';
  if (action === 'limit') return application === 'backups' ? 'bulk-limit' : 'limit';
  if (application === 'voip') return 'voice';
  if (action === 'guarantee' && application === 'video') return 'video';
  if (application === 'critical') return 'business-critical';
  return action === 'prioritise' ? 'priority' : 'guarantee';
}

/** Words that carry no meaning for the policy; anything else left over is reported. */
export const STOPWORDS = new Set(
  `le la les l un une des de du d à a au aux pour par avec sans en et ou sur dans vers entre son sa ses leur leurs ce cette ces tout toute tous toutes
  trafic traffic flux flow flows paquets packets débit debit bande passante bandwidth bp minimum minimale min maximum max
  the an at of for to with without on in into and or between from its their this that all any
  s'il plait please svp merci thanks applications application app apps données data
  please kindly always toujours
  est is are be sont soit être
  hôte hote host hosts hôtes hotes machine machines sous-réseau sous-reseau subnet subnets réseau reseau network networks
  adresse address ip
  par hôte per each chaque
  qos`.split(/\s+/u),
);

/** Patterns that read a rate with a unit (the unit is checked by parseRate). */
export const RATE_TOKEN =
  /(\d+(?:[.,]\d+)?)\s*(gbit\/s|mbit\/s|kbit\/s|gb\/s|mb\/s|kb\/s|go\/s|mo\/s|ko\/s|gbps|mbps|kbps|gigabits?|m[ée]gabits?|kilobits?|gbits?|mbits?|kbits?|bits?\/s|bits?|bps|[gmk]b|[gmk])(?![\p{L}\d])/giu;

/** IPv4 address with optional prefix. */
export const ADDRESS = String.raw`(\d{1,3}(?:\.\d{1,3}){3}(?:\/\d{1,2})?)`;
