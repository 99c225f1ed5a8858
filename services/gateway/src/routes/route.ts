import type { Request, Response } from 'express';
import { z } from 'zod';
import type { Role } from '../stores/accounts.store';

/**
 * Who may call a route. `project` routes take `{projectId}` from the path; read keys are
 * accepted only where `keys` is true, and only for their own project.
 */
export type Access =
  | { kind: 'public' }
  | { kind: 'member' }
  | { kind: 'account'; role: Role }
  | { kind: 'project'; role: Role; keys: boolean; queryKey?: boolean };

export interface RouteReply {
  status?: number;
  body?: unknown;
  /** A text/plain reply instead of JSON (the user_analytics seed API). */
  text?: string;
  headers?: Record<string, string>;
}

export interface RouteContext<P, Q, B, X> {
  params: P;
  query: Q;
  body: B;
  /** What the access check resolved (the project, the caller's role…). */
  access: X;
  req: Request;
  res: Response;
}

type AnyObject = z.ZodObject | z.ZodPipe<z.ZodObject>;

export interface RouteDef<P extends AnyObject = AnyObject, Q extends AnyObject = AnyObject, B extends z.ZodType = z.ZodType> {
  method: 'get' | 'post' | 'put' | 'patch' | 'delete';
  /** Stable name of the operation in the OpenAPI document (client generators name methods by it). */
  operationId: string;
  /** False for an alias that the document leaves out (it names the same operation once). */
  inDocument?: boolean;
  /** OpenAPI style: `/v1/projects/{projectId}`. */
  path: string;
  summary: string;
  tags: string[];
  access: Access;
  params?: P;
  query?: Q;
  body?: B;
  /** Also accept an `application/x-www-form-urlencoded` body (a seed API client posts forms); otherwise JSON only. */
  forms?: boolean;
  /** Success replies: status → JSON schema (or `text` for text/plain), for the OpenAPI document. */
  responses: Record<number, { description: string; schema?: z.ZodType; text?: boolean }>;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  handle(ctx: RouteContext<z.infer<P>, z.infer<Q>, z.infer<B>, any>): Promise<RouteReply>;
}

/** Identity function that keeps the param/query/body types flowing into `handle`. */
export function route<P extends AnyObject, Q extends AnyObject, B extends z.ZodType>(def: RouteDef<P, Q, B>): RouteDef {
  return def as unknown as RouteDef;
}

export function expressPath(path: string): string {
  return path.replace(/\{([A-Za-z0-9_]+)\}/g, ':$1');
}
