// licmint/catalog: catalogs (FORMAT.md section 9), read by the rules of Go's catalog.Parse:
// unknown fields, null members, names repeated or in another case,
// duplicate edition names or numbers, and terms out of range are errors.
import { LicmintError } from './errors.js';
import { checkJSONNames } from './formats.js';

/** The built-in catalog, Go's catalog.Default(). */
export const BUILTIN_CATALOG = `{
  "products": {
    "PC": {
      "name": "Example product",
      "editions": [
        {"name": "standard", "number": 1, "features": ["update", "scan"]},
        {"name": "premium", "number": 2, "features": ["update", "scan"]}
      ]
    }
  }
}`;

const MAX_CATALOG_SIZE = 1 << 20;
const MAX_TERM_DAYS = 36500;
const TERMS = { trial_days: 30, maintenance_days: 365, warning_days: 60, grace_days: 30 };
const NAMES = ['products', 'name', 'editions', 'number', 'features', ...Object.keys(TERMS)];

function parseProducts(text) {
  const bad = (msg) => {
    throw new LicmintError('invalid', 'catalog: ' + msg);
  };
  if (typeof text !== 'string') bad('want the JSON text');
  if (text.length > MAX_CATALOG_SIZE || (text.length > MAX_CATALOG_SIZE / 3 && new TextEncoder().encode(text).length > MAX_CATALOG_SIZE)) {
    bad(`more than ${MAX_CATALOG_SIZE} bytes`);
  }
  let doc;
  try {
    doc = JSON.parse(text);
    // Names are matched exactly, each once (FORMAT.md section 1).
    checkJSONNames(text, () => NAMES);
  } catch (e) {
    bad(e.message);
  }
  if (/\d[.eE]/.test(text.replace(/"(?:[^"\\]|\\.)*"/g, '""'))) bad('a number with a fraction or an exponent: numbers are integers');
  const isObject = (v) => typeof v === 'object' && v !== null && !Array.isArray(v);
  // fields returns o's fields by their names in want, in any case; null
  // stands for a field left out, as in Go.
  const fields = (o, want, where) => {
    if (!isObject(o)) bad(`${where}: want an object`);
    for (const [k, v] of Object.entries(o)) {
      if (!want.includes(k)) bad(`${where}: unknown field "${k}"`);
      if (v === null) bad(`${where}: ${k} is null; leave out a member to take its default`);
    }
    return o;
  };
  const str = (v, where) => {
    if (v !== undefined && typeof v !== 'string') bad(`${where}: want a string`);
    // Products written in C read these names as NUL-terminated strings.
    if (v?.includes('\0')) bad(`${where}: ${JSON.stringify(v)} holds U+0000, which no name may`);
    return v ?? '';
  };
  const int = (v, min, max, where) => {
    if (v === undefined) return 0;
    if (!Number.isInteger(v) || v < min || v > max) bad(`${where} is ${JSON.stringify(v)}; want ${min} to ${max}`);
    return v;
  };
  const trimmed = (s) => s !== '' && s.trim() === s;
  const top = fields(doc, ['products'], 'the catalog');
  if (top.products !== undefined && !isObject(top.products)) bad('products: want an object');
  const codes = Object.keys(top.products ?? {});
  if (codes.length === 0) bad('no products; want {"products": {"PC": {...}}}');
  const products = {};
  for (const code of codes) {
    if (!/^[A-Z]{2}$/.test(code)) bad(`product code ${JSON.stringify(code)}: want two upper-case letters, such as PC`);
    const where = `product ${code}`;
    if (top.products[code] === null) bad(`product ${JSON.stringify(code)} is null`);
    const f = fields(top.products[code], ['name', 'editions', ...Object.keys(TERMS)], where);
    const p = { name: str(f.name, `${where}: name`), editions: [] };
    if (f.editions !== undefined && !Array.isArray(f.editions)) bad(`${where}: editions: want an array`);
    const names = new Set();
    const numbers = new Set();
    for (const [i, raw] of (f.editions ?? []).entries()) {
      const e = fields(raw, ['name', 'number', 'features'], `${where}: edition ${i + 1}`);
      const name = str(e.name, `${where}: edition ${i + 1}: name`);
      const number = int(e.number, 0, 255, `${where}: edition ${i + 1}: number`);
      if (!trimmed(name)) bad(`${where}: edition ${i + 1}: name ${JSON.stringify(name)} is empty or has surrounding spaces`);
      if (names.has(name)) bad(`${where}: edition name ${JSON.stringify(name)} appears twice`);
      if (numbers.has(number)) bad(`${where}: edition number ${number} appears twice`);
      names.add(name);
      numbers.add(number);
      if (e.features !== undefined && !Array.isArray(e.features)) bad(`${where}: edition ${name}: features: want an array`);
      const features = (e.features ?? []).map((x) => (x === null ? '' : str(x, `${where}: edition ${name}: feature`)));
      for (const x of features) {
        if (!trimmed(x)) bad(`${where}: edition ${name}: feature name ${JSON.stringify(x)} is empty or has surrounding spaces`);
      }
      p.editions.push({ name, number, features });
    }
    if (p.editions.length === 0) bad(`${where}: no editions`);
    for (const [term, def] of Object.entries(TERMS)) {
      p[term] = int(f[term], 0, MAX_TERM_DAYS, `${where}: ${term}`) || def;
    }
    products[code] = p;
  }
  return products;
}

/**
 * parseCatalog reads a catalog's JSON text. It returns {products}, each
 * product {code, name, editions: [{name, number, features}], trial_days,
 * maintenance_days, warning_days, grace_days} with the terms' defaults
 * applied; catalogProduct picks one. Errors are LicmintErrors of kind
 * 'invalid'.
 */
export function parseCatalog(text) {
  return { products: parseProducts(text) };
}

/** catalogProduct returns a catalog's product by code, in any case. */
export function catalogProduct(catalog, code) {
  const p = catalog.products[String(code).toUpperCase()];
  if (!p) {
    const codes = Object.keys(catalog.products).sort().join(', ');
    throw new LicmintError('unknown_product', `unknown product "${code}"; the catalog has ${codes}`);
  }
  return p;
}

/** defaultCatalog returns the built-in catalog, parsed. */
export const defaultCatalog = () => parseCatalog(BUILTIN_CATALOG);
