/** The directory's state as operators read it (the `directoryStatus` field, and the log line per pass). */
export interface DirectoryStatus {
  ready: boolean;
  users: number;
  tenants: number;
  memberships: number;
  clients: number;
  lastFullPassAt: string | null;
  lastFullPassSeconds: number | null;
  eventsReceived: number;
  lastEventAt: string | null;
  eventLagSeconds: number | null;
}
