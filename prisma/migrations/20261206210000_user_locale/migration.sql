-- The user's language on their profile (issue 23): `en` or `fr`, null when unset; used when a
-- channel gives no locale (a REST client without Accept-Language, a chat platform without one).
ALTER TABLE "users" ADD COLUMN "locale" VARCHAR(8);
ALTER TABLE "users" ADD CONSTRAINT "users_locale_check" CHECK ("locale" IS NULL OR "locale" IN ('en', 'fr'));
