/**
 * Drafts from free French text: price, currency, city and category from 36 varied
 * phrasings (Cameroon, Côte d'Ivoire, Senegal, France…), plus edge cases.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { extractDraft } from '../../src/tools/services/draft-extractor.js';
import { extractPrice } from '../../src/tools/services/price-extractor.js';
import { findPlaces } from '../../src/tools/services/gazetteer.js';

type Expectation = {
  min: number | null;
  max: number | null;
  currency: string | null;
  city: string | null;
  category: string | null;
  place?: string;
};

const PHRASINGS: Array<[string, Expectation]> = [
  [
    'Je répare les fuites et installe des chauffe-eau à Bonamoussadi, 10 000 FCFA le déplacement',
    { min: 10000, max: 10000, currency: 'XAF', city: 'Douala', category: 'plomberie', place: 'Bonamoussadi' },
  ],
  ['Plombier disponible à Yaoundé, 5000 F la visite', { min: 5000, max: 5000, currency: 'XAF', city: 'Yaoundé', category: 'plomberie' }],
  ['Électricien à Paris, 45€/h, 7j/7', { min: 45, max: 45, currency: 'EUR', city: 'Paris', category: 'electricite' }],
  [
    'electricien agree a Douala, depannage 15.000 fcfa',
    { min: 15000, max: 15000, currency: 'XAF', city: 'Douala', category: 'electricite' },
  ],
  [
    'Coiffure tresses entre 3 000 et 8 000 FCFA à Cocody',
    { min: 3000, max: 8000, currency: 'XOF', city: 'Abidjan', category: 'coiffure', place: 'Cocody' },
  ],
  ['Cours de maths niveau bac à Dakar, 5000 F la séance', { min: 5000, max: 5000, currency: 'XOF', city: 'Dakar', category: 'cours' }],
  ['Déménagement Lyon, à partir de 300 euros', { min: 300, max: null, currency: 'EUR', city: 'Lyon', category: 'demenagement' }],
  ["Nounou à Marseille, 12 € de l'heure", { min: 12, max: 12, currency: 'EUR', city: 'Marseille', category: 'garde-enfants' }],
  ['Mécanicien auto à Abidjan, vidange 25 000 FCFA', { min: 25000, max: 25000, currency: 'XOF', city: 'Abidjan', category: 'mecanique' }],
  [
    'Réparation de climatiseurs split à Libreville. Tarif : 20 000 F',
    { min: 20000, max: 20000, currency: 'XAF', city: 'Libreville', category: 'climatisation' },
  ],
  [
    'Menuisier ébéniste, meubles sur mesure, Bafoussam, prix entre 50 000 et 200 000 FCFA',
    { min: 50000, max: 200000, currency: 'XAF', city: 'Bafoussam', category: 'menuiserie' },
  ],
  [
    'Femme de ménage sérieuse à Cotonou, 30 000 F par mois',
    { min: 30000, max: 30000, currency: 'XOF', city: 'Cotonou', category: 'menage' },
  ],
  [
    'Jardinier à Bordeaux, tonte et taille de haies, 25 €/h',
    { min: 25, max: 25, currency: 'EUR', city: 'Bordeaux', category: 'jardinage' },
  ],
  ['Peintre en bâtiment, Toulouse, 20€ le m2', { min: 20, max: 20, currency: 'EUR', city: 'Toulouse', category: 'peinture' }],
  ['Maçon carreleur à Kribi : carrelage 3500 FCFA le m2', { min: 3500, max: 3500, currency: 'XAF', city: 'Kribi', category: 'maconnerie' }],
  [
    'Infirmière à domicile à Akwa, soins et pansements, 5 000 francs',
    { min: 5000, max: 5000, currency: 'XAF', city: 'Douala', category: 'sante', place: 'Akwa' },
  ],
  [
    'Traiteur pour mariages à Ouagadougou, buffet à partir de 2 500 F par personne',
    { min: 2500, max: null, currency: 'XOF', city: 'Ouagadougou', category: 'traiteur' },
  ],
  [
    'DJ et sonorisation pour vos soirées à Bamako, 150 000 FCFA',
    { min: 150000, max: 150000, currency: 'XOF', city: 'Bamako', category: 'evenementiel' },
  ],
  ['Serrurier urgence Nice, ouverture de porte 90 €', { min: 90, max: 90, currency: 'EUR', city: 'Nice', category: 'securite' }],
  [
    "Comptable pour déclaration d'impôts à Bruxelles, 150 euros",
    { min: 150, max: 150, currency: 'EUR', city: 'Bruxelles', category: 'juridique' },
  ],
  ['Réparation ordinateur et téléphone à Lomé, 5k F', { min: 5000, max: 5000, currency: 'XOF', city: 'Lomé', category: 'informatique' }],
  [
    'Couturière à Treichville, retouches de pagne 2000 FCFA',
    { min: 2000, max: 2000, currency: 'XOF', city: 'Abidjan', category: 'couture', place: 'Treichville' },
  ],
  ['Transport de colis Douala - Yaoundé 3 000 FCFA', { min: 3000, max: 3000, currency: 'XAF', city: 'Douala', category: 'demenagement' }],
  [
    'Gardiennage et surveillance à Brazzaville, 100 000 F/mois',
    { min: 100000, max: 100000, currency: 'XAF', city: 'Brazzaville', category: 'securite' },
  ],
  [
    'Plomberie sanitaire Bonabéri, de 10 000 à 25 000 FCFA',
    { min: 10000, max: 25000, currency: 'XAF', city: 'Douala', category: 'plomberie', place: 'Bonabéri' },
  ],
  ["Cours d'anglais en ligne, 15 dollars la séance", { min: 15, max: 15, currency: 'USD', city: null, category: 'cours' }],
  [
    "Baby-sitting le week-end à Genève, 20 CHF de l'heure",
    { min: 20, max: 20, currency: 'CHF', city: 'Genève', category: 'garde-enfants' },
  ],
  ['Coiffeur barbier à Casablanca, 50 dh la coupe', { min: 50, max: 50, currency: 'MAD', city: 'Casablanca', category: 'coiffure' }],
  [
    'Installation de groupe électrogène à Garoua 1,5 million FCFA',
    { min: 1500000, max: 1500000, currency: 'XAF', city: 'Garoua', category: 'electricite' },
  ],
  ['Massage et kiné à domicile, Montpellier, €60', { min: 60, max: 60, currency: 'EUR', city: 'Montpellier', category: 'sante' }],
  [
    'Photographe pour mariage à Saint-Louis, 75 000 FCFA la journée',
    { min: 75000, max: 75000, currency: 'XOF', city: 'Saint-Louis', category: 'evenementiel' },
  ],
  ['Débouchage WC et canalisations 24h/24 à Lille, 89 euros', { min: 89, max: 89, currency: 'EUR', city: 'Lille', category: 'plomberie' }],
  [
    'Livraison à moto-taxi dans Cocody, 1 000 F la course',
    { min: 1000, max: 1000, currency: 'XOF', city: 'Abidjan', category: 'demenagement' },
  ],
  [
    "Pâtissier : gâteaux d'anniversaire à N'Djamena, 15 000 FCFA",
    { min: 15000, max: 15000, currency: 'XAF', city: "N'Djamena", category: 'traiteur' },
  ],
  [
    'Répétiteur de mathématiques à Bastos, gratuit la première séance',
    { min: 0, max: 0, currency: null, city: 'Yaoundé', category: 'cours', place: 'Bastos' },
  ],
  ['Vulcanisateur et réparation de pneus à Kinshasa', { min: null, max: null, currency: null, city: 'Kinshasa', category: 'mecanique' }],
];

describe('service drafts from free French text', () => {
  it(`covers at least 30 phrasings (${PHRASINGS.length})`, () => assert.ok(PHRASINGS.length >= 30));
  for (const [text, expected] of PHRASINGS) {
    it(text, () => {
      const draft = extractDraft(text);
      assert.equal(draft.priceMin, expected.min, `priceMin (evidence: ${draft.evidence.price})`);
      assert.equal(draft.priceMax, expected.max, `priceMax (evidence: ${draft.evidence.price})`);
      assert.equal(draft.currency, expected.currency, 'currency');
      assert.equal(draft.city, expected.city, 'city');
      assert.equal(draft.category, expected.category, `category (${JSON.stringify(draft.evidence.category)})`);
      if (expected.place) assert.equal(draft.place, expected.place);
      if (draft.city) assert.ok(draft.latitude !== null && Math.abs(draft.latitude) <= 90 && draft.longitude !== null);
      assert.ok(draft.title.length >= 3 && draft.title.length <= 200);
      assert.equal(draft.description, text.replace(/\s+/g, ' ').trim());
    });
  }

  it('returns an honest empty draft for text with no price, place or category', () => {
    const draft = extractDraft('Bonjour, je suis disponible.');
    assert.equal(draft.priceMin, null);
    assert.equal(draft.city, null);
    assert.equal(draft.category, null);
  });

  it('does not read counts or lower-case homonyms as prices or cities', () => {
    assert.equal(extractPrice('Je répare 5 fuites par jour').priceMin, null);
    assert.equal(findPlaces('trois tours de cou, une nice journée').length, 0);
    assert.equal(findPlaces('Tours').length, 1);
  });

  it('extracts contact and availability', () => {
    const draft = extractDraft('Électricien 24h/24 à Douala, appelez le +237 699 12 34 56 ou pro@example.cm');
    assert.equal(draft.contact, 'pro@example.cm');
    assert.match(draft.availability ?? '', /24h\/24/);
  });

  it('handles hostile input without throwing', () => {
    for (const text of [
      'x'.repeat(10_000),
      "'; DROP TABLE services; --",
      '€€€ 999999999999999999 FCFA',
      '\u0000\u202e',
      '12 000 000 000 000 000 F',
    ]) {
      const draft = extractDraft(text);
      assert.equal(typeof draft.title, 'string');
    }
  });
});
