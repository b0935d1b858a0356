// Finding key terms in a title whatever their order, in English and in Chinese: "Reset password"
// and "Password reset for user" both name a password and a reset, and so do 重置密码 and 密码重置.
// Chinese is written without spaces between words, so its terms match anywhere; a term in a
// script written with spaces matches whole words only ("change" is not in "Exchange").

/** Groups of terms: every group must appear, through any one of its terms. */
export type TermGroups = readonly (readonly string[])[];

/** Scripts written without spaces between words: their terms are found as substrings. */
const UNSPACED = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}]/u;
const WORD_CHARACTER = /[\p{L}\p{N}\p{M}]/u;
const SEPARATORS = /[^\p{L}\p{N}\p{M}]+/gu;

/** A letter or digit that sits inside a word of a spaced script, so a term must not touch it. */
function isSpacedWordCharacter(character: string | undefined): boolean {
  return character !== undefined && WORD_CHARACTER.test(character) && !UNSPACED.test(character);
}

/**
 * The form titles and terms are compared in: NFKC (full-width ＰＡＳＳＷＯＲＤ is PASSWORD), lower
 * case, and every run of punctuation or spaces as one space ("set-up" is "set up").
 */
export function foldForMatching(text: string): string {
  return text.normalize("NFKC").toLowerCase().replace(SEPARATORS, " ").trim();
}

/** Whether a folded term occurs in folded text, as whole words where its script has words. */
function containsFoldedTerm(text: string, term: string): boolean {
  if (term === "") return false;
  const first = term.slice(0, 1);
  const last = term.slice(-1);
  for (let at = text.indexOf(term); at !== -1; at = text.indexOf(term, at + 1)) {
    const before = text.slice(Math.max(0, at - 1), at) || undefined;
    const after = text.slice(at + term.length, at + term.length + 1) || undefined;
    const startsClean = !isSpacedWordCharacter(first) || !isSpacedWordCharacter(before);
    const endsClean = !isSpacedWordCharacter(last) || !isSpacedWordCharacter(after);
    if (startsClean && endsClean) return true;
  }
  return false;
}

/** Whether every group has a term in the text, in any order. */
export function containsAllGroups(text: string, groups: TermGroups): boolean {
  const folded = foldForMatching(text);
  return groups.every((group) => group.some((term) => containsFoldedTerm(folded, foldForMatching(term))));
}
