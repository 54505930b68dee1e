/**
 * Accent folding and tokenising for French text, shared by search, drafts and the seeder so
 * that "Électricien", "electricien" and "ÉLECTRICIEN" are one word everywhere.
 */

/** Lower-cases and strips diacritics (é → e, ç → c, œ → oe). */
export function foldText(text: string): string {
  return text
    .toLowerCase()
    .replace(/œ/g, 'oe')
    .replace(/æ/g, 'ae')
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '');
}

/** Words that carry no need ("je cherche un … pour ce soir"). */
export const FRENCH_STOPWORDS = new Set(
  (
    'a au aux avec ce ces cette chez dans de des du elle en et est il ils je la le les leur lui ma mais me mes moi mon ' +
    'ne nos notre nous on ou par pas pour qu que qui sa se ses son sur ta te tes toi ton tu un une vos votre vous y ' +
    'cherche chercher recherche besoin trouver veux voudrais faut svp stp merci bonjour bonsoir urgent urgente urgence ' +
    'pres proche autour vers cote alentours environs quelqu quelqun quelquun bon bonne bien tres plus moins cher chere ' +
    'near around in at ici ce soir demain aujourd hui maintenant rapidement vite'
  ).split(' '),
);

/** Folded words of at least two letters or digits, in order. */
export function foldedWords(text: string): string[] {
  return foldText(text).match(/[a-z0-9]+/g) ?? [];
}

/** Folded words minus stopwords and single characters: the words that express a need. */
export function meaningfulWords(text: string): string[] {
  return foldedWords(text).filter((word) => word.length > 1 && !FRENCH_STOPWORDS.has(word));
}
