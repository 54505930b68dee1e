/**
 * A small gazetteer of francophone African and French cities (and the districts of the
 * biggest ones) with public coordinates, so drafts and queries can resolve "à Bonamoussadi"
 * or "près de Douala" to a point and a currency without any external service.
 * Coordinates are city/district centres rounded to ~100 m (public geographic facts).
 */
import { foldedWords } from './text-folding.js';

/** One place: its display name, country, currency, centre and, for a district, its city. */
export interface Place {
  name: string;
  country: string;
  currency: string;
  latitude: number;
  longitude: number;
  /** The city a district belongs to. */
  city?: string;
  /** Only recognised when capitalised in the text ("Tours" the city, not "tours"). */
  capitalOnly?: boolean;
}

type Row = [name: string, country: string, latitude: number, longitude: number, city?: string];

const CURRENCY_BY_COUNTRY: Record<string, string> = {
  CM: 'XAF',
  GA: 'XAF',
  CG: 'XAF',
  TD: 'XAF',
  CF: 'XAF',
  GQ: 'XAF',
  CI: 'XOF',
  SN: 'XOF',
  ML: 'XOF',
  BF: 'XOF',
  NE: 'XOF',
  BJ: 'XOF',
  TG: 'XOF',
  CD: 'CDF',
  GN: 'GNF',
  MR: 'MRU',
  MA: 'MAD',
  TN: 'TND',
  DZ: 'DZD',
  MG: 'MGA',
  RW: 'RWF',
  BI: 'BIF',
  FR: 'EUR',
  BE: 'EUR',
  LU: 'EUR',
  CH: 'CHF',
  CA: 'CAD',
};

const ROWS: Row[] = [
  ['Douala', 'CM', 4.0511, 9.7679],
  ['Yaoundé', 'CM', 3.848, 11.5021],
  ['Bafoussam', 'CM', 5.4781, 10.4176],
  ['Garoua', 'CM', 9.3017, 13.3921],
  ['Bamenda', 'CM', 5.9597, 10.146],
  ['Maroua', 'CM', 10.5956, 14.3247],
  ['Ngaoundéré', 'CM', 7.3167, 13.5833],
  ['Kribi', 'CM', 2.9373, 9.9077],
  ['Limbé', 'CM', 4.0186, 9.2043],
  ['Buea', 'CM', 4.1527, 9.241],
  ['Bertoua', 'CM', 4.5772, 13.6846],
  ['Ebolowa', 'CM', 2.9, 11.15],
  ['Edéa', 'CM', 3.8, 10.1333],
  ['Dschang', 'CM', 5.45, 10.05],
  ['Nkongsamba', 'CM', 4.9547, 9.9404],
  ['Bonamoussadi', 'CM', 4.093, 9.744, 'Douala'],
  ['Akwa', 'CM', 4.048, 9.699, 'Douala'],
  ['Bonapriso', 'CM', 4.032, 9.698, 'Douala'],
  ['Deïdo', 'CM', 4.06, 9.71, 'Douala'],
  ['Bonabéri', 'CM', 4.073, 9.661, 'Douala'],
  ['Makepe', 'CM', 4.08, 9.76, 'Douala'],
  ['Logbaba', 'CM', 4.045, 9.785, 'Douala'],
  ['Ndokoti', 'CM', 4.045, 9.74, 'Douala'],
  ['Kotto', 'CM', 4.075, 9.775, 'Douala'],
  ['Bépanda', 'CM', 4.06, 9.725, 'Douala'],
  ['Bastos', 'CM', 3.893, 11.51, 'Yaoundé'],
  ['Biyem-Assi', 'CM', 3.834, 11.486, 'Yaoundé'],
  ['Mvog-Mbi', 'CM', 3.855, 11.52, 'Yaoundé'],
  ['Essos', 'CM', 3.872, 11.54, 'Yaoundé'],
  ['Mendong', 'CM', 3.824, 11.47, 'Yaoundé'],
  ['Nlongkak', 'CM', 3.888, 11.518, 'Yaoundé'],
  ['Emana', 'CM', 3.915, 11.515, 'Yaoundé'],
  ['Libreville', 'GA', 0.4162, 9.4673],
  ['Port-Gentil', 'GA', -0.7193, 8.7815],
  ['Franceville', 'GA', -1.6333, 13.5833],
  ['Brazzaville', 'CG', -4.2634, 15.2429],
  ['Pointe-Noire', 'CG', -4.7761, 11.8635],
  ["N'Djamena", 'TD', 12.1348, 15.0557],
  ['Bangui', 'CF', 4.3947, 18.5582],
  ['Malabo', 'GQ', 3.7504, 8.7371],
  ['Kinshasa', 'CD', -4.4419, 15.2663],
  ['Lubumbashi', 'CD', -11.6876, 27.5026],
  ['Goma', 'CD', -1.6792, 29.2228],
  ['Abidjan', 'CI', 5.36, -4.0083],
  ['Cocody', 'CI', 5.354, -3.986, 'Abidjan'],
  ['Yopougon', 'CI', 5.3367, -4.089, 'Abidjan'],
  ['Marcory', 'CI', 5.303, -3.983, 'Abidjan'],
  ['Treichville', 'CI', 5.293, -4.005, 'Abidjan'],
  ['Abobo', 'CI', 5.416, -4.016, 'Abidjan'],
  ['Bouaké', 'CI', 7.69, -5.03],
  ['Yamoussoukro', 'CI', 6.8276, -5.2893],
  ['San-Pédro', 'CI', 4.7485, -6.6363],
  ['Dakar', 'SN', 14.7167, -17.4677],
  ['Almadies', 'SN', 14.745, -17.515, 'Dakar'],
  ['Pikine', 'SN', 14.764, -17.39, 'Dakar'],
  ['Thiès', 'SN', 14.791, -16.9256],
  ['Saint-Louis', 'SN', 16.0179, -16.4896],
  ['Touba', 'SN', 14.85, -15.8833],
  ['Ziguinchor', 'SN', 12.5833, -16.2719],
  ['Bamako', 'ML', 12.6392, -8.0029],
  ['Ouagadougou', 'BF', 12.3714, -1.5197],
  ['Bobo-Dioulasso', 'BF', 11.1771, -4.2979],
  ['Niamey', 'NE', 13.5116, 2.1254],
  ['Cotonou', 'BJ', 6.3654, 2.4183],
  ['Porto-Novo', 'BJ', 6.4969, 2.6289],
  ['Lomé', 'TG', 6.1319, 1.2228],
  ['Conakry', 'GN', 9.6412, -13.5784],
  ['Nouakchott', 'MR', 18.0735, -15.9582],
  ['Casablanca', 'MA', 33.5731, -7.5898],
  ['Rabat', 'MA', 34.0209, -6.8416],
  ['Marrakech', 'MA', 31.6295, -7.9811],
  ['Tunis', 'TN', 36.8065, 10.1815],
  ['Alger', 'DZ', 36.7538, 3.0588],
  ['Antananarivo', 'MG', -18.8792, 47.5079],
  ['Kigali', 'RW', -1.9441, 30.0619],
  ['Bujumbura', 'BI', -3.3614, 29.3599],
  ['Paris', 'FR', 48.8566, 2.3522],
  ['Marseille', 'FR', 43.2965, 5.3698],
  ['Lyon', 'FR', 45.764, 4.8357],
  ['Toulouse', 'FR', 43.6047, 1.4442],
  ['Nice', 'FR', 43.7102, 7.262],
  ['Nantes', 'FR', 47.2184, -1.5536],
  ['Strasbourg', 'FR', 48.5734, 7.7521],
  ['Montpellier', 'FR', 43.6108, 3.8767],
  ['Bordeaux', 'FR', 44.8378, -0.5792],
  ['Lille', 'FR', 50.6292, 3.0573],
  ['Rennes', 'FR', 48.1173, -1.6778],
  ['Reims', 'FR', 49.2583, 4.0317],
  ['Le Havre', 'FR', 49.4944, 0.1079],
  ['Saint-Étienne', 'FR', 45.4397, 4.3872],
  ['Toulon', 'FR', 43.1242, 5.928],
  ['Grenoble', 'FR', 45.1885, 5.7245],
  ['Dijon', 'FR', 47.322, 5.0415],
  ['Angers', 'FR', 47.4784, -0.5632],
  ['Nîmes', 'FR', 43.8367, 4.3601],
  ['Clermont-Ferrand', 'FR', 45.7772, 3.087],
  ['Le Mans', 'FR', 48.0061, 0.1996],
  ['Aix-en-Provence', 'FR', 43.5297, 5.4474],
  ['Brest', 'FR', 48.3904, -4.4861],
  ['Tours', 'FR', 47.3941, 0.6848],
  ['Limoges', 'FR', 45.8336, 1.2611],
  ['Amiens', 'FR', 49.8941, 2.2958],
  ['Metz', 'FR', 49.1193, 6.1757],
  ['Perpignan', 'FR', 42.6887, 2.8948],
  ['Orléans', 'FR', 47.903, 1.9093],
  ['Rouen', 'FR', 49.4432, 1.0999],
  ['Mulhouse', 'FR', 47.7508, 7.3359],
  ['Caen', 'FR', 49.1829, -0.3707],
  ['Nancy', 'FR', 48.6921, 6.1844],
  ['Bruxelles', 'BE', 50.8503, 4.3517],
  ['Liège', 'BE', 50.6326, 5.5797],
  ['Luxembourg', 'LU', 49.6116, 6.1319],
  ['Genève', 'CH', 46.2044, 6.1432],
  ['Lausanne', 'CH', 46.5197, 6.6323],
  ['Montréal', 'CA', 45.5017, -73.5673],
];

const CAPITAL_ONLY = new Set(['Tours', 'Nice', 'Rabat', 'Nancy', 'Goma', 'Akwa']);

/** Every place of the gazetteer. */
export const PLACES: readonly Place[] = ROWS.map(([name, country, latitude, longitude, city]) => ({
  name,
  country,
  currency: CURRENCY_BY_COUNTRY[country] ?? 'EUR',
  latitude,
  longitude,
  ...(city ? { city } : {}),
  ...(CAPITAL_ONLY.has(name) ? { capitalOnly: true } : {}),
}));

const BY_KEY = new Map(PLACES.map((place) => [foldedWords(place.name).join(' '), place]));
const LONGEST = Math.max(...[...BY_KEY.keys()].map((key) => key.split(' ').length));

/** A place found in a text, with the words that named it. */
export interface PlaceMatch {
  place: Place;
  matchedText: string;
}

/** Places named in a text, longest names first, districts before cities when both appear. */
export function findPlaces(text: string): PlaceMatch[] {
  const tokens = [...text.matchAll(/[\p{L}\p{N}]+/gu)].map((match) => match[0]);
  const folded = tokens.map((token) => foldedWords(token).join(''));
  const found: PlaceMatch[] = [];
  for (let start = 0; start < tokens.length; start += 1) {
    for (let length = Math.min(LONGEST, tokens.length - start); length >= 1; length -= 1) {
      const place = BY_KEY.get(folded.slice(start, start + length).join(' '));
      if (!place) continue;
      const first = tokens[start] ?? '';
      if (place.capitalOnly && first[0] !== first[0]?.toUpperCase()) continue;
      found.push({ place, matchedText: tokens.slice(start, start + length).join(' ') });
      start += length - 1;
      break;
    }
  }
  return found.sort((left, right) => Number(Boolean(right.place.city)) - Number(Boolean(left.place.city)));
}

/** The place with this (case- and accent-insensitive) name, or undefined. */
export function placeByName(name: string): Place | undefined {
  return BY_KEY.get(foldedWords(name).join(' '));
}
