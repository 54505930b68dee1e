import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { cosineSimilarity, createLexicalEmbedder, LEXICAL_DIMENSION, lexicalTokens } from './lexical-embedder.js';

const embedder = createLexicalEmbedder();

async function rank(query: string, documents: string[]): Promise<string[]> {
  const [queryVector, ...vectors] = await embedder.embed([query, ...documents]);
  return documents
    .map((document, index) => ({ document, score: cosineSimilarity(queryVector!, vectors[index]!) }))
    .sort((left, right) => right.score - left.score)
    .map((entry) => entry.document);
}

describe('lexical embedder', () => {
  it('has a fixed dimension and a stable model id', async () => {
    assert.equal(embedder.dimension, LEXICAL_DIMENSION);
    assert.equal(embedder.dimension, 384);
    assert.equal(embedder.modelId, 'lexical-v1-384');
    const [vector] = await embedder.embed(['bonjour']);
    assert.equal(vector!.length, 384);
  });

  it('returns L2-normalised vectors, and the zero vector for empty text', async () => {
    const [vector, empty] = await embedder.embed(['the quick brown fox jumps over the lazy dog', '  ?!  ']);
    const norm = Math.sqrt(vector!.reduce((sum, value) => sum + value * value, 0));
    assert.ok(Math.abs(norm - 1) < 1e-5, `norm ${norm}`);
    assert.ok(empty!.every((value) => value === 0));
  });

  it('is deterministic', async () => {
    const [first] = await embedder.embed(['Téléchargement lent sur le VPN']);
    const [second] = await createLexicalEmbedder().embed(['Téléchargement lent sur le VPN']);
    assert.deepEqual(Array.from(first!), Array.from(second!));
  });

  it('folds accents and case', () => {
    assert.deepEqual(lexicalTokens('Téléchargement LENT, Straße œuvre'), ['telechargement', 'lent', 'strasse', 'oeuvre']);
    assert.deepEqual(lexicalTokens(''), []);
  });

  it('ranks an unaccented query above unrelated text', async () => {
    const documents = ['Le serveur DNS ne répond plus', 'téléchargement lent', 'Redémarrer la base de données PostgreSQL'];
    const ranked = await rank('telechargement lent', documents);
    assert.equal(ranked[0], 'téléchargement lent');
    const [query, target] = await embedder.embed(['telechargement lent', 'téléchargement lent']);
    assert.ok(cosineSimilarity(query!, target!) > 0.99);
  });

  it('ranks a typo’d query above unrelated text', async () => {
    const documents = [
      'Rotation des certificats TLS expirés',
      'Le téléchargement est lent depuis le site de Lyon',
      'Liste des utilisateurs administrateurs',
      'lent démarrage du conteneur',
    ];
    const ranked = await rank('telechargment lnet', documents);
    assert.equal(ranked[0], 'Le téléchargement est lent depuis le site de Lyon');
    const other = await rank('certficat expire', documents);
    assert.equal(other[0], 'Rotation des certificats TLS expirés');
  });

  it('honours an aborted signal', async () => {
    await assert.rejects(embedder.embed(['x'], AbortSignal.abort()), { name: 'AbortError' });
  });
});
