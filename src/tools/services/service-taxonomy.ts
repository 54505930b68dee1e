/**
 * The managed category taxonomy. It lives in code (reviewed, versioned) and is synchronised
 * into service_categories at start-up, so the database can enforce it with a foreign key and
 * drafts can classify free text by keyword scoring without a model.
 */

/** One category: a stable slug, a French label and folded keywords (prefixes allowed). */
export interface ServiceCategory {
  slug: string;
  label: string;
  keywords: string[];
}

/** Every category, most specific keywords first. */
export const SERVICE_CATEGORIES: readonly ServiceCategory[] = [
  {
    slug: 'plomberie',
    label: 'Plomberie',
    keywords: [
      'plombier',
      'plomberie',
      'fuite',
      'robinet',
      'chauffe-eau',
      'canalisation',
      'tuyau',
      'evier',
      'wc',
      'sanitaire',
      'debouchage',
      'chasse',
    ],
  },
  {
    slug: 'electricite',
    label: 'Électricité',
    keywords: [
      'electricien',
      'electricite',
      'electrique',
      'cablage',
      'disjoncteur',
      'prise',
      'tableau',
      'court-circuit',
      'eclairage',
      'ampoule',
      'groupe electrogene',
      'compteur',
    ],
  },
  {
    slug: 'climatisation',
    label: 'Climatisation et froid',
    keywords: ['climatisation', 'climatiseur', 'clim', 'frigoriste', 'refrigerateur', 'frigo', 'congelateur', 'froid', 'split'],
  },
  {
    slug: 'menuiserie',
    label: 'Menuiserie',
    keywords: ['menuisier', 'menuiserie', 'ebeniste', 'meuble', 'porte', 'fenetre', 'placard', 'bois', 'armoire'],
  },
  {
    slug: 'maconnerie',
    label: 'Maçonnerie et construction',
    keywords: [
      'macon',
      'maconnerie',
      'construction',
      'carrelage',
      'carreleur',
      'beton',
      'mur',
      'dalle',
      'parpaing',
      'renovation',
      'chantier',
    ],
  },
  {
    slug: 'peinture',
    label: 'Peinture et décoration',
    keywords: ['peintre', 'peinture', 'decoration', 'decorateur', 'enduit', 'papier peint', 'ravalement'],
  },
  {
    slug: 'menage',
    label: 'Ménage et nettoyage',
    keywords: ['menage', 'nettoyage', 'femme de menage', 'aide menagere', 'repassage', 'lessive', 'vitres', 'desinfection', 'pressing'],
  },
  {
    slug: 'jardinage',
    label: 'Jardinage et espaces verts',
    keywords: ['jardinier', 'jardinage', 'jardin', 'pelouse', 'tonte', 'elagage', 'haie', 'paysagiste', 'arrosage'],
  },
  {
    slug: 'demenagement',
    label: 'Déménagement et transport',
    keywords: ['demenagement', 'demenageur', 'transport', 'livraison', 'coursier', 'camion', 'colis', 'chauffeur', 'taxi', 'moto-taxi'],
  },
  {
    slug: 'mecanique',
    label: 'Mécanique automobile',
    keywords: [
      'mecanicien',
      'mecanique',
      'garage',
      'voiture',
      'vidange',
      'pneu',
      'frein',
      'carrosserie',
      'moto',
      'vulcanisateur',
      'depannage auto',
    ],
  },
  {
    slug: 'informatique',
    label: 'Informatique et téléphonie',
    keywords: [
      'informatique',
      'informaticien',
      'ordinateur',
      'pc',
      'laptop',
      'telephone',
      'smartphone',
      'ecran',
      'reseau',
      'wifi',
      'site web',
      'logiciel',
      'imprimante',
    ],
  },
  {
    slug: 'coiffure',
    label: 'Coiffure et beauté',
    keywords: [
      'coiffeur',
      'coiffeuse',
      'coiffure',
      'tresses',
      'tresse',
      'barbier',
      'manucure',
      'esthetique',
      'maquillage',
      'onglerie',
      'beaute',
      'perruque',
    ],
  },
  {
    slug: 'couture',
    label: 'Couture et retouches',
    keywords: ['couturier', 'couturiere', 'couture', 'tailleur', 'retouche', 'pagne', 'robe', 'ourlet', 'broderie'],
  },
  {
    slug: 'cours',
    label: 'Cours et soutien scolaire',
    keywords: [
      'cours',
      'professeur',
      'prof',
      'repetiteur',
      'soutien scolaire',
      'repetition',
      'mathematiques',
      'maths',
      'anglais',
      'lecon',
      'tutorat',
      'bac',
    ],
  },
  {
    slug: 'garde-enfants',
    label: "Garde d'enfants",
    keywords: ['nounou', 'baby-sitting', 'babysitter', 'garde', 'enfants', 'enfant', 'bebe', 'creche'],
  },
  {
    slug: 'sante',
    label: 'Santé et soins à domicile',
    keywords: ['infirmier', 'infirmiere', 'soins', 'kinesitherapeute', 'kine', 'aide-soignant', 'medecin', 'massage', 'pansement'],
  },
  {
    slug: 'traiteur',
    label: 'Traiteur et cuisine',
    keywords: ['traiteur', 'cuisinier', 'cuisiniere', 'cuisine', 'repas', 'buffet', 'patissier', 'gateau', 'plats', 'cuisson'],
  },
  {
    slug: 'evenementiel',
    label: 'Événementiel',
    keywords: [
      'evenement',
      'evenementiel',
      'mariage',
      'sonorisation',
      'sono',
      'dj',
      'animation',
      'photographe',
      'photo',
      'video',
      'location chaises',
      'bache',
    ],
  },
  {
    slug: 'securite',
    label: 'Sécurité et gardiennage',
    keywords: ['gardien', 'gardiennage', 'securite', 'vigile', 'surveillance', 'camera', 'alarme', 'serrurier', 'serrure', 'cle'],
  },
  {
    slug: 'juridique',
    label: 'Juridique et administratif',
    keywords: [
      'avocat',
      'juriste',
      'notaire',
      'comptable',
      'comptabilite',
      'impots',
      'declaration',
      'administratif',
      'dossier',
      'traduction',
    ],
  },
];

const BY_SLUG = new Map(SERVICE_CATEGORIES.map((category) => [category.slug, category]));

/** The category with this slug, or undefined. */
export function findCategory(slug: string): ServiceCategory | undefined {
  return BY_SLUG.get(slug);
}

/** Keywords of a category as one space-separated string, indexed with the service. */
export function categoryKeywordText(slug: string): string {
  const category = BY_SLUG.get(slug);
  return category ? [category.label, ...category.keywords].join(' ') : '';
}
