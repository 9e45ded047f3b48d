/** The machine-readable report `ipam check -o` writes and `ipam release --from-report` reads (Calico's field names). */

export interface ReportAllocation {
  ip: string;
  handle?: string;
  sequenceNumber?: number;
  pod?: string;
  namespace?: string;
  node?: string;
  type?: string;
  creationTimestamp?: string;
  /** Some workload or node uses the address; false means leaked. */
  inUse: boolean;
  borrowed?: boolean;
  owners: string[] | null;
}

export interface ReportHandle {
  ID: string;
  UID: string | null;
  Revision: string;
}

export interface CheckReport {
  version: string;
  clusterGUID: string;
  datastoreLocked: boolean;
  clusterInformationRevision: string;
  clusterType: string;
  allocations: Record<string, ReportAllocation[]>;
  leakedHandles?: ReportHandle[];
}
