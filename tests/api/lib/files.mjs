// Files for the upload tests, made here: a real PDF (a page with a line of
// text, its cross-reference table right), the demo's DOCX forms, and files
// of other kinds to lie with.
import { readFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { deflateSync } from 'node:zlib';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../..', import.meta.url));

// A one-page PDF saying text (ASCII); pad adds that many bytes of comment
// lines, for size tests.
export function makePdf(text, pad = 0) {
  const objs = [
    '<< /Type /Catalog /Pages 2 0 R >>',
    '<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
    '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>',
    null,
    '<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>',
  ];
  const stream = `BT /F1 14 Tf 72 770 Td (${text.replace(/[()\\]/g, '\\$&')}) Tj ET`;
  objs[3] = `<< /Length ${stream.length} >>\nstream\n${stream}\nendstream`;
  let out = '%PDF-1.4\n%\xe2\xe3\xcf\xd3\n';
  const offsets = [];
  objs.forEach((o, i) => {
    offsets.push(Buffer.byteLength(out, 'latin1'));
    out += `${i + 1} 0 obj\n${o}\nendobj\n`;
  });
  if (pad) out += ('% ' + 'x'.repeat(76) + '\n').repeat(Math.ceil(pad / 79));
  const xref = Buffer.byteLength(out, 'latin1');
  out += `xref\n0 ${objs.length + 1}\n0000000000 65535 f \n`;
  for (const off of offsets) out += `${String(off).padStart(10, '0')} 00000 n \n`;
  out += `trailer\n<< /Size ${objs.length + 1} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`;
  return Buffer.from(out, 'latin1');
}

// A PDF 1.5 whose catalog, pages and page live in a compressed object
// stream (/Type /ObjStm, FlateDecode), as modern writers save them; catalog:
// extra entries of the catalog dictionary (an /OpenAction hidden there);
// raw: the stream's bytes as they are (not deflated: a broken stream).
export function makeObjStmPdf({ catalog = '', raw = null } = {}) {
  const inner = [
    `<< /Type /Catalog /Pages 2 0 R ${catalog}>>`,
    '<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
    '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>',
  ];
  let head = '';
  let body = '';
  inner.forEach((o, i) => { head += `${i + 1} ${body.length} `; body += o + '\n'; });
  const plain = Buffer.from(head + body, 'latin1');
  const data = raw ?? deflateSync(plain);
  const parts = [Buffer.from('%PDF-1.5\n%\xe2\xe3\xcf\xd3\n', 'latin1')];
  const off4 = parts[0].length;
  parts.push(Buffer.from(`4 0 obj\n<< /Type /ObjStm /N 3 /First ${head.length} /Filter /FlateDecode /Length ${data.length} >>\nstream\n`, 'latin1'));
  parts.push(data);
  parts.push(Buffer.from('\nendstream\nendobj\n', 'latin1'));
  const xref = parts.reduce((n, b) => n + b.length, 0);
  parts.push(Buffer.from(`xref\n0 5\n0000000000 65535 f \n0000000000 65535 f \n0000000000 65535 f \n0000000000 65535 f \n${String(off4).padStart(10, '0')} 00000 n \n` +
    `trailer\n<< /Size 5 /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`, 'latin1'));
  return Buffer.concat(parts);
}

// One of the demo's forms (data/templates/NAME).
export function demoTemplate(name) {
  return readFileSync(`${ROOT}/data/templates/${name}`);
}

// A 1×1 PNG.
export const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==', 'base64');
// The start of an ELF executable.
export const ELF = Buffer.concat([Buffer.from([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0]), Buffer.alloc(120)]);
// A web page.
export const HTML = Buffer.from('<!DOCTYPE html><html><head><title>x</title></head><body><script>alert(1)</script></body></html>\n');

export const sha256 = (b) => createHash('sha256').update(b).digest('hex');
