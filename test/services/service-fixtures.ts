/**
 * A fixture catalog for ranking tests: a few services per category across Douala, Yaoundé,
 * Abidjan, Dakar and Paris, with distractors (a plumber far away, an expensive one, an
 * electrician in another city) so that each ranking assertion can actually fail.
 */
import type { ServiceInput } from '../../src/tools/services/service-schemas.js';

type Fixture = Pick<ServiceInput, 'title' | 'description' | 'category' | 'city'> & {
  key: string;
  priceMin: number | null;
  priceMax?: number | null;
  currency: string | null;
  latitude: number | null;
  longitude: number | null;
};

/** Fixture services by key. */
export const FIXTURES: Fixture[] = [
  { key: 'plumber-bonamoussadi', title: 'Plombier dépannage rapide', description: 'Réparation de fuites, robinets et chauffe-eau, intervention le soir.', category: 'plomberie', city: 'Douala', priceMin: 5000, currency: 'XAF', latitude: 4.093, longitude: 9.744 },
  { key: 'plumber-akwa-expensive', title: 'Plomberie générale et sanitaire', description: 'Installation complète de salles de bain haut de gamme.', category: 'plomberie', city: 'Douala', priceMin: 60000, currency: 'XAF', latitude: 4.048, longitude: 9.699 },
  { key: 'plumber-yaounde', title: 'Plombier qualifié', description: 'Débouchage, fuites, canalisations.', category: 'plomberie', city: 'Yaoundé', priceMin: 4000, currency: 'XAF', latitude: 3.866, longitude: 11.516 },
  { key: 'plumber-paris', title: 'Plombier chauffagiste', description: 'Dépannage plomberie et chauffage 7j/7.', category: 'plomberie', city: 'Paris', priceMin: 80, currency: 'EUR', latitude: 48.8566, longitude: 2.3522 },
  { key: 'electrician-douala', title: 'Électricien bâtiment', description: 'Câblage, tableaux électriques, pannes de courant.', category: 'electricite', city: 'Douala', priceMin: 7000, currency: 'XAF', latitude: 4.06, longitude: 9.71 },
  { key: 'electrician-abidjan', title: 'Électricien dépannage à domicile', description: 'Disjoncteurs, prises, éclairage.', category: 'electricite', city: 'Abidjan', priceMin: 6000, currency: 'XOF', latitude: 5.354, longitude: -3.986 },
  { key: 'clim-dakar', title: 'Frigoriste climatisation', description: 'Entretien et recharge de climatiseurs split.', category: 'climatisation', city: 'Dakar', priceMin: 15000, currency: 'XOF', latitude: 14.7167, longitude: -17.4677 },
  { key: 'carpenter-yaounde', title: 'Menuisier ébéniste', description: 'Meubles sur mesure, portes et placards en bois massif.', category: 'menuiserie', city: 'Yaoundé', priceMin: 20000, currency: 'XAF', latitude: 3.893, longitude: 11.51 },
  { key: 'mason-douala', title: 'Maçon carreleur', description: 'Carrelage, dalles, murs en parpaing.', category: 'maconnerie', city: 'Douala', priceMin: 10000, currency: 'XAF', latitude: 4.08, longitude: 9.76 },
  { key: 'painter-lyon', title: 'Peintre en bâtiment', description: 'Peinture intérieure, enduits, papier peint.', category: 'peinture', city: 'Lyon', priceMin: 30, currency: 'EUR', latitude: 45.764, longitude: 4.8357 },
  { key: 'cleaning-abidjan', title: 'Femme de ménage', description: 'Ménage, repassage, lessive à domicile.', category: 'menage', city: 'Abidjan', priceMin: 3000, currency: 'XOF', latitude: 5.3367, longitude: -4.089 },
  { key: 'gardener-paris', title: 'Jardinier paysagiste', description: 'Tonte de pelouse, taille de haies, élagage.', category: 'jardinage', city: 'Paris', priceMin: 35, currency: 'EUR', latitude: 48.85, longitude: 2.34 },
  { key: 'movers-douala', title: 'Déménagement et transport', description: 'Camion avec chauffeur et déménageurs.', category: 'demenagement', city: 'Douala', priceMin: 50000, currency: 'XAF', latitude: 4.0511, longitude: 9.7679 },
  { key: 'mechanic-yaounde', title: 'Mécanicien auto', description: 'Vidange, freins, diagnostic moteur.', category: 'mecanique', city: 'Yaoundé', priceMin: 8000, currency: 'XAF', latitude: 3.848, longitude: 11.5021 },
  { key: 'it-dakar', title: 'Réparation ordinateurs et téléphones', description: 'Écrans cassés, virus, installation de logiciels.', category: 'informatique', city: 'Dakar', priceMin: 5000, currency: 'XOF', latitude: 14.745, longitude: -17.515 },
  { key: 'hair-douala', title: 'Coiffeuse à domicile', description: 'Tresses, tissages et perruques.', category: 'coiffure', city: 'Douala', priceMin: 3000, currency: 'XAF', latitude: 4.032, longitude: 9.698 },
  { key: 'tailor-abidjan', title: 'Couturière retouches', description: 'Robes en pagne, ourlets, broderie.', category: 'couture', city: 'Abidjan', priceMin: 2000, currency: 'XOF', latitude: 5.293, longitude: -4.005 },
  { key: 'tutor-yaounde', title: 'Cours de mathématiques', description: 'Soutien scolaire collège et lycée, préparation au bac.', category: 'cours', city: 'Yaoundé', priceMin: 5000, currency: 'XAF', latitude: 3.834, longitude: 11.486 },
  { key: 'nanny-paris', title: 'Nounou expérimentée', description: "Garde d'enfants après l'école.", category: 'garde-enfants', city: 'Paris', priceMin: 12, currency: 'EUR', latitude: 48.86, longitude: 2.36 },
  { key: 'nurse-douala', title: 'Infirmière soins à domicile', description: 'Pansements, injections, suivi.', category: 'sante', city: 'Douala', priceMin: 5000, currency: 'XAF', latitude: 4.045, longitude: 9.74 },
  { key: 'caterer-dakar', title: 'Traiteur mariages', description: 'Buffets, thieboudienne, pâtisseries.', category: 'traiteur', city: 'Dakar', priceMin: 100000, currency: 'XOF', latitude: 14.7167, longitude: -17.4677 },
  { key: 'dj-abidjan', title: 'DJ et sonorisation', description: 'Animation de soirées et mariages.', category: 'evenementiel', city: 'Abidjan', priceMin: 80000, currency: 'XOF', latitude: 5.36, longitude: -4.0083 },
  { key: 'locksmith-lyon', title: 'Serrurier urgence', description: 'Ouverture de porte, changement de serrure.', category: 'securite', city: 'Lyon', priceMin: 90, currency: 'EUR', latitude: 45.76, longitude: 4.84 },
  { key: 'accountant-paris', title: 'Comptable indépendant', description: 'Déclarations fiscales, comptabilité des petites entreprises.', category: 'juridique', city: 'Paris', priceMin: 150, currency: 'EUR', latitude: 48.87, longitude: 2.33 },
  { key: 'electrician-no-location', title: 'Électricien itinérant', description: 'Interventions à distance, conseils.', category: 'electricite', city: null, priceMin: null, currency: null, latitude: null, longitude: null },
];
