/**
 * zod schemas at the boundaries of the catalog (REST, tools, CLI): one definition of what a
 * valid service, update and search are, so every surface rejects the same bad input.
 */
import { z } from 'zod';
import { SERVICE_CATEGORIES } from './service-taxonomy.js';

const CATEGORY_SLUGS = SERVICE_CATEGORIES.map((category) => category.slug) as [string, ...string[]];

/** A category slug of the managed taxonomy. */
export const categorySchema = z.enum(CATEGORY_SLUGS);

/** Lifecycle of a listing: only active services are searchable. */
export const serviceStatusSchema = z.enum(['active', 'paused', 'archived']);

const price = z.number().nonnegative().max(1e12);

const serviceFields = {
  title: z.string().trim().min(3).max(200).meta({ example: 'Plombier dépannage fuites' }),
  description: z.string().trim().max(4000),
  category: categorySchema,
  priceMin: price.nullable(),
  priceMax: price.nullable(),
  currency: z
    .string()
    .regex(/^[A-Z]{3}$/, 'must be an ISO 4217 code such as XAF, XOF or EUR')
    .nullable(),
  latitude: z.number().min(-90).max(90).nullable(),
  longitude: z.number().min(-180).max(180).nullable(),
  city: z.string().trim().min(1).max(120).nullable(),
  availability: z.string().trim().max(300).nullable(),
  status: serviceStatusSchema,
  contact: z.string().trim().max(200).nullable(),
};

function coherent(
  value: { priceMin?: number | null; priceMax?: number | null; latitude?: number | null; longitude?: number | null },
  context: z.RefinementCtx,
) {
  if (value.priceMin != null && value.priceMax != null && value.priceMax < value.priceMin) {
    context.addIssue({ code: 'custom', path: ['priceMax'], message: 'must be greater than or equal to priceMin' });
  }
  if ((value.latitude == null) !== (value.longitude == null) && value.latitude !== undefined && value.longitude !== undefined) {
    context.addIssue({ code: 'custom', path: ['longitude'], message: 'latitude and longitude go together' });
  }
}

/** A new service. */
export const serviceInputSchema = z
  .object({
    ...serviceFields,
    description: serviceFields.description.default(''),
    priceMin: serviceFields.priceMin.default(null),
    priceMax: serviceFields.priceMax.default(null),
    currency: serviceFields.currency.default(null),
    latitude: serviceFields.latitude.default(null),
    longitude: serviceFields.longitude.default(null),
    city: serviceFields.city.default(null),
    availability: serviceFields.availability.default(null),
    status: serviceFields.status.default('active'),
    contact: serviceFields.contact.default(null),
  })
  .strict()
  .superRefine(coherent)
  .meta({ id: 'ServiceInput' });

/** A partial update; unspecified fields keep their value. */
export const serviceUpdateSchema = z.object(serviceFields).partial().strict().superRefine(coherent).meta({ id: 'ServiceUpdate' });

/** A search by need. */
export const serviceSearchSchema = z
  .object({
    q: z.string().trim().max(500).default('').meta({ example: 'plombier pas cher près de Douala' }),
    lat: z.coerce.number().min(-90).max(90).optional(),
    lon: z.coerce.number().min(-180).max(180).optional(),
    radius_km: z.coerce.number().positive().max(20_000).optional(),
    category: categorySchema.optional(),
    price_max: z.coerce.number().nonnegative().max(1e12).optional(),
    limit: z.coerce.number().int().min(1).max(50).default(10),
  })
  .superRefine((value, context) => {
    if ((value.lat === undefined) !== (value.lon === undefined)) {
      context.addIssue({ code: 'custom', path: ['lon'], message: 'lat and lon go together' });
    }
  });

/** Free text to turn into a draft; `model: false` skips the local model's pass (rules only). */
export const draftInputSchema = z
  .object({
    text: z.string().trim().min(3).max(2000),
    model: z
      .boolean()
      .optional()
      .meta({ description: 'Default true: with a local model, a grammar-constrained pass fills the fields the rules missed' }),
  })
  .strict();

/** Parsed search parameters. */
export type ServiceSearchInput = z.output<typeof serviceSearchSchema>;
/** Parsed new service. */
export type ServiceInput = z.output<typeof serviceInputSchema>;
/** Parsed update. */
export type ServiceUpdate = z.output<typeof serviceUpdateSchema>;
