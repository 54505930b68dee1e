/**
 * Reads one uploaded file (and a few text fields) from a multipart/form-data request with
 * busboy, enforcing the size limit while streaming so an oversized upload never sits in
 * memory whole.
 */
import type { Request } from 'express';
import busboy from 'busboy';
import { PayloadTooLargeError, ValidationError } from '../errors.js';
import { findUnsafeInput } from '../contracts/safe-text.js';
import { httpUrlProblem } from '../contracts/http-url.js';

/** The uploaded document and its form fields. */
export interface MultipartDocument {
  bytes: Uint8Array;
  fileName: string;
  contentType: string;
  title?: string;
  tags?: string[];
  sourceUrl?: string;
}

const TAG = /^[\p{L}\p{N}_.:/-]{1,64}$/u;

/** Parses the request; rejects a missing file, several files, bad tags or too many bytes. */
export function readMultipartDocument(request: Request, maxBytes: number): Promise<MultipartDocument> {
  return new Promise((resolve, reject) => {
    let parser: busboy.Busboy;
    try {
      parser = busboy({ headers: request.headers, limits: { files: 1, fileSize: maxBytes, fields: 10, fieldSize: 4096 } });
    } catch (error) {
      reject(new ValidationError(`Malformed multipart body: ${(error as Error).message}`));
      return;
    }
    const fields: Record<string, string> = Object.create(null) as Record<string, string>;
    const parts: Buffer[] = [];
    let file: { name: string; type: string } | null = null;
    let failure: Error | null = null;
    parser.on('field', (name, value) => {
      fields[name] = value;
    });
    parser.on('file', (name, stream, info) => {
      if (name !== 'file' || file) {
        stream.resume();
        failure ??= new ValidationError('Send exactly one file, in the form field "file"');
        return;
      }
      file = { name: info.filename || 'upload', type: info.mimeType };
      stream.on('data', (chunk: Buffer) => parts.push(chunk));
      stream.on('limit', () => {
        failure = new PayloadTooLargeError(`${Math.round(maxBytes / 1024 / 1024)} MB document`);
      });
    });
    parser.on('filesLimit', () => {
      failure ??= new ValidationError('Send exactly one file, in the form field "file"');
    });
    parser.on('error', (error: Error) => reject(new ValidationError(`Malformed multipart body: ${error.message}`)));
    parser.on('close', () => {
      if (failure) return reject(failure);
      if (!file) return reject(new ValidationError('No file in the form field "file"'));
      const unsafe = findUnsafeInput({ ...fields, fileName: (file as { name: string }).name }, 'form');
      if (unsafe) return reject(new ValidationError(`Invalid ${unsafe.path}: ${unsafe.message}`, [unsafe]));
      const sourceUrl = fields.sourceUrl?.trim();
      const urlProblem = sourceUrl ? httpUrlProblem(sourceUrl) : null;
      if (urlProblem)
        return reject(new ValidationError(`Invalid form.sourceUrl: ${urlProblem}`, [{ path: 'form.sourceUrl', message: urlProblem }]));
      const tags = fields.tags
        ? fields.tags
            .split(',')
            .map((tag) => tag.trim())
            .filter(Boolean)
        : undefined;
      if (tags?.some((tag) => !TAG.test(tag)))
        return reject(new ValidationError('tags: letters, digits and _ . : / - only, comma-separated'));
      const { name, type } = file as { name: string; type: string };
      resolve({
        bytes: Buffer.concat(parts),
        fileName: name,
        contentType: type,
        ...(fields.title?.trim() ? { title: fields.title.trim().slice(0, 300) } : {}),
        ...(tags ? { tags } : {}),
        ...(fields.sourceUrl?.trim() ? { sourceUrl: fields.sourceUrl.trim().slice(0, 2000) } : {}),
      });
    });
    request.pipe(parser);
  });
}
