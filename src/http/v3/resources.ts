/**
 * The shapes every v3 answer shares: a resource is `{kind, metadata: {self, resource_name}, ...}`,
 * a collection `{kind: "<Kind>List", metadata: {self, next: null}, data}`, a link to another
 * resource `{related: url}`. `resource_name` is a Confluent Resource Name:
 * `crn://<authority>/kafka=<cluster>/topic=<t>/partition=<p>` (empty authority by default).
 */

export type CrnPart = readonly [type: string, name: string | number];

export interface Related {
  related: string;
}

/** URLs and CRNs of one cluster's resources, for one request (its origin). */
export class V3Links {
  constructor(
    /** `http://host:port` of this request (or the advertised listener). */
    readonly origin: string,
    readonly clusterId: string,
    private readonly crnAuthority = '',
  ) {}

  /** `<origin>/v3/clusters/<cluster>/<segments…>`, each segment URL-encoded; `-` stays `-`. */
  url(...segments: Array<string | number>): string {
    const path = segments.map((segment) => encodeURIComponent(String(segment))).join('/');
    return `${this.origin}/v3/clusters/${encodeURIComponent(this.clusterId)}${path ? `/${path}` : ''}`;
  }

  related(...segments: Array<string | number>): Related {
    return { related: this.url(...segments) };
  }

  /** `crn:///kafka=<cluster>/<type>=<name>/…`. */
  crn(...parts: CrnPart[]): string {
    return `crn://${this.crnAuthority}/${[['kafka', this.clusterId] as CrnPart, ...parts].map(([type, name]) => `${type}=${name}`).join('/')}`;
  }

  /** A single resource: kind, metadata, then its fields in order. */
  resource<F extends object>(kind: string, self: string, crn: string | null, fields: F): { kind: string; metadata: { self: string; resource_name?: string } } & F {
    return { kind, metadata: crn === null ? { self } : { self, resource_name: crn }, ...fields };
  }

  /** A collection: `next` is always present and null (Confluent does not paginate). */
  collection<T>(kind: string, self: string, data: T[]): { kind: string; metadata: { self: string; next: null }; data: T[] } {
    return { kind, metadata: { self, next: null }, data };
  }
}
