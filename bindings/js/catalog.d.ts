// Type declarations of 'licmint/catalog' (catalog.js).
import type { Catalog, CatalogProduct } from './licmint.js';
export type { Catalog, CatalogProduct };
/** The built-in catalog's JSON text. */
export const BUILTIN_CATALOG: string;
/** Reads a catalog's JSON text by the rules of Go's catalog.Parse; throws a LicmintError of kind 'invalid'. */
export function parseCatalog(text: string): Catalog;
/** A catalog's product by code, in any case; throws 'unknown_product'. */
export function catalogProduct(catalog: Catalog, code: string): CatalogProduct;
export function defaultCatalog(): Catalog;
