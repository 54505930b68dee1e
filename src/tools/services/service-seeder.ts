/**
 * `vigie services seed <n>`: a realistic, deterministic French-language catalog (same n,
 * same seed → same rows) across the taxonomy and the gazetteer's cities, for demos and the
 * benchmark. Rows are bulk-inserted in batches with their embeddings.
 */
import { randomUUID } from 'node:crypto';
import type { SqlQueries } from '../../db/sql-runner.js';
import type { Embedder } from '../../inference/inference-contract.js';
import { categorySynchroniser, embeddingText, lexiconFeeder, vectorLiteral } from './service-catalog.js';
import { PLACES } from './gazetteer.js';
import { categoryKeywordText, SERVICE_CATEGORIES } from './service-taxonomy.js';
import type { ServiceInput } from './service-schemas.js';

/** Trade names and typical work per category, used to vary the wording. */
const TRADES: Record<string, { trades: string[]; works: string[]; base: number }> = {
  plomberie: {
    trades: ['Plombier', 'Artisan plombier', 'Plomberie générale', 'Dépannage plomberie'],
    works: ['réparation de fuites', 'installation de chauffe-eau', 'débouchage de canalisations', 'changement de robinets'],
    base: 8000,
  },
  electricite: {
    trades: ['Électricien', 'Électricien bâtiment', 'Dépannage électrique', 'Installateur électricien'],
    works: ['câblage de maisons', 'remplacement de disjoncteurs', 'pose de prises et éclairage', 'mise aux normes du tableau'],
    base: 10000,
  },
  climatisation: {
    trades: ['Frigoriste', 'Technicien climatisation', 'Clim service'],
    works: ['entretien de climatiseurs split', 'recharge de gaz', 'réparation de réfrigérateurs'],
    base: 15000,
  },
  menuiserie: {
    trades: ['Menuisier', 'Ébéniste', 'Atelier de menuiserie'],
    works: ['meubles sur mesure', 'portes et fenêtres en bois', 'placards et armoires'],
    base: 20000,
  },
  maconnerie: {
    trades: ['Maçon', 'Carreleur', 'Entreprise de construction'],
    works: ['pose de carrelage', 'construction de murs', 'coulage de dalles', 'rénovation de maisons'],
    base: 15000,
  },
  peinture: {
    trades: ['Peintre en bâtiment', 'Décorateur', 'Peinture et finitions'],
    works: ['peinture intérieure', 'ravalement de façades', 'pose de papier peint'],
    base: 12000,
  },
  menage: {
    trades: ['Femme de ménage', 'Service de nettoyage', 'Aide ménagère'],
    works: ['ménage à domicile', 'repassage et lessive', 'nettoyage de bureaux', 'désinfection'],
    base: 4000,
  },
  jardinage: {
    trades: ['Jardinier', 'Paysagiste', 'Entretien espaces verts'],
    works: ['tonte de pelouse', 'taille de haies', "élagage d'arbres"],
    base: 6000,
  },
  demenagement: {
    trades: ['Déménageur', 'Transport et livraison', 'Coursier moto'],
    works: ['déménagement complet', 'livraison de colis', 'location de camion avec chauffeur'],
    base: 10000,
  },
  mecanique: {
    trades: ['Mécanicien auto', 'Garage', 'Vulcanisateur'],
    works: ['vidange et entretien', 'réparation de freins', 'diagnostic moteur', 'réparation de pneus'],
    base: 8000,
  },
  informatique: {
    trades: ['Informaticien', 'Réparateur de téléphones', 'Dépannage informatique'],
    works: ["réparation d'ordinateurs", "changement d'écran de smartphone", 'installation de réseau wifi', 'création de sites web'],
    base: 7000,
  },
  coiffure: {
    trades: ['Coiffeuse', 'Salon de coiffure', 'Barbier', 'Esthéticienne'],
    works: ['tresses et tissages', 'coupe homme', 'manucure et pédicure', 'maquillage pour cérémonies'],
    base: 3000,
  },
  couture: {
    trades: ['Couturière', 'Tailleur', 'Atelier de couture'],
    works: ['robes en pagne', 'retouches et ourlets', 'costumes sur mesure', 'broderie'],
    base: 5000,
  },
  cours: {
    trades: ['Professeur particulier', 'Répétiteur', 'Soutien scolaire'],
    works: ['cours de mathématiques', "cours d'anglais", 'préparation au bac', 'aide aux devoirs'],
    base: 5000,
  },
  'garde-enfants': {
    trades: ['Nounou', 'Baby-sitter', "Garde d'enfants"],
    works: ["garde après l'école", 'garde de bébé', 'baby-sitting le soir'],
    base: 4000,
  },
  sante: {
    trades: ['Infirmier à domicile', 'Kinésithérapeute', 'Aide-soignante'],
    works: ['soins et pansements', 'massages thérapeutiques', 'accompagnement des personnes âgées'],
    base: 6000,
  },
  traiteur: {
    trades: ['Traiteur', 'Cuisinière', 'Pâtissier'],
    works: ['buffets pour mariages', 'repas à domicile', "gâteaux d'anniversaire"],
    base: 25000,
  },
  evenementiel: {
    trades: ['DJ', 'Photographe', "Organisateur d'événements"],
    works: ['sonorisation de soirées', 'photos et vidéos de mariage', 'location de chaises et bâches'],
    base: 50000,
  },
  securite: {
    trades: ['Serrurier', 'Agent de gardiennage', "Installateur d'alarmes"],
    works: ['ouverture de portes', 'gardiennage de nuit', 'pose de caméras de surveillance'],
    base: 15000,
  },
  juridique: {
    trades: ['Comptable', 'Juriste', 'Traducteur'],
    works: ["déclarations d'impôts", "création d'entreprise", 'traduction de documents'],
    base: 20000,
  },
};
const EXTRAS = [
  'Intervention rapide.',
  'Travail soigné et garanti.',
  'Devis gratuit.',
  'Disponible le week-end.',
  "Plus de 10 ans d'expérience.",
  'Déplacement inclus en ville.',
  'Paiement mobile money accepté.',
];
const AVAILABILITY = ['Du lundi au samedi', '7j/7', '24h/24', 'Le soir et le week-end', 'Sur rendez-vous', null];

/** mulberry32: a tiny seeded generator, so the catalog is reproducible. */
function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let value = state;
    value = Math.imul(value ^ (value >>> 15), value | 1);
    value ^= value + Math.imul(value ^ (value >>> 7), value | 61);
    return ((value ^ (value >>> 14)) >>> 0) / 4294967296;
  };
}

/** Generates `count` services deterministically. */
export function generateServices(count: number, seed = 42): ServiceInput[] {
  const random = seededRandom(seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
  const services: ServiceInput[] = [];
  for (let index = 0; index < count; index += 1) {
    const category = pick(SERVICE_CATEGORIES);
    const trade = TRADES[category.slug]!;
    const place = pick(PLACES);
    const city = place.city ?? place.name;
    const euro = ['EUR', 'CHF', 'CAD'].includes(place.currency);
    const scale = euro ? 1 / 400 : place.currency === 'MAD' ? 1 / 60 : 1;
    const low = Math.max(1, Math.round((trade.base * scale * (0.5 + random())) / (euro ? 1 : 500)) * (euro ? 1 : 500));
    const high = random() < 0.5 ? low : low * (1 + Math.floor(random() * 3));
    const work = pick(trade.works);
    services.push({
      title: `${pick(trade.trades)} ${random() < 0.5 ? `à ${place.name}` : `- ${work}`}`.slice(0, 200),
      description: `${work.charAt(0).toUpperCase()}${work.slice(1)} et ${pick(trade.works)} à ${place.name}. ${pick(EXTRAS)} ${pick(EXTRAS)}`,
      category: category.slug,
      priceMin: low,
      priceMax: high,
      currency: place.currency,
      // Spread within ~6 km of the centre.
      latitude: Math.round((place.latitude + (random() - 0.5) * 0.1) * 1e5) / 1e5,
      longitude: Math.round((place.longitude + (random() - 0.5) * 0.1) * 1e5) / 1e5,
      city,
      availability: pick(AVAILABILITY),
      status: random() < 0.95 ? 'active' : 'paused',
      contact: `+${200 + Math.floor(random() * 99)} 6${String(Math.floor(random() * 1e8)).padStart(8, '0')}`,
    });
  }
  return services;
}

/** Inserts services in batches (one statement per batch); returns the number inserted. */
export async function serviceBulkInserter(
  sql: SqlQueries,
  embedder: Embedder,
  services: ServiceInput[],
  options: { batchSize?: number; ownerId?: string | null; onProgress?: (done: number) => void } = {},
): Promise<number> {
  await categorySynchroniser(sql);
  const batchSize = options.batchSize ?? 500;
  const seenTerms = new Set<string>();
  for (let start = 0; start < services.length; start += batchSize) {
    const batch = services.slice(start, start + batchSize);
    const vectors = await embedder.embed(batch.map(embeddingText));
    const column = <T>(read: (service: ServiceInput) => T) => batch.map(read);
    await sql.query(
      `INSERT INTO services (id, title, description, category, keywords, price_min, price_max, currency, latitude, longitude,
         city, availability, status, owner_id, contact, embedding, embedding_model)
       SELECT id, title, description, category, keywords, price_min, price_max, currency, latitude, longitude, city,
         availability, status, $14::uuid, contact, embedding::vector, $15
       FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::text[], $6::numeric[], $7::numeric[], $8::text[],
         $9::float8[], $10::float8[], $11::text[], $12::text[], $13::text[], $16::text[], $17::text[])
         AS row(id, title, description, category, keywords, price_min, price_max, currency, latitude, longitude, city,
           availability, status, contact, embedding)`,
      [
        batch.map(() => randomUUID()),
        column((s) => s.title),
        column((s) => s.description),
        column((s) => s.category),
        column((s) => categoryKeywordText(s.category)),
        column((s) => s.priceMin),
        column((s) => s.priceMax),
        column((s) => s.currency),
        column((s) => s.latitude),
        column((s) => s.longitude),
        column((s) => s.city),
        column((s) => s.availability),
        column((s) => s.status),
        options.ownerId ?? null,
        embedder.modelId,
        column((s) => s.contact),
        vectors.map(vectorLiteral),
      ],
    );
    const fresh = batch.map((service) => `${service.title} ${service.description}`).filter((text) => !seenTerms.has(text));
    for (const text of fresh) seenTerms.add(text);
    await lexiconFeeder(sql, `${fresh.join(' ')} ${[...new Set(batch.map((s) => categoryKeywordText(s.category)))].join(' ')}`);
    options.onProgress?.(Math.min(services.length, start + batchSize));
  }
  return services.length;
}
