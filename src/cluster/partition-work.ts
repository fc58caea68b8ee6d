/**
 * What a member is doing for each sessions partition it serves: commands running and reads whose
 * response is still on its way to the client. A hand-over of the partition waits for all of it.
 */
const DRAIN_POLL_MS = 50;
/** The consumer actor puts a read's records back after its own hold; a hand-over waits no longer. */
const DELIVERY_HOLD_MS = 30_000;

export class PartitionWork {
  private readonly inFlight = new Map<number, number>();
  private readonly deliveries = new Map<string, { partition: number; timer: NodeJS.Timeout }>();

  /** Runs a command of `partition`, counted until it ends. */
  async serve<T>(partition: number, work: () => Promise<T>): Promise<T> {
    this.add(partition, 1);
    try {
      return await work();
    } finally {
      this.add(partition, -1);
    }
  }

  /** A read's records are on their way to the client: the partition stays busy until the ack. */
  openDelivery(partition: number, delivery: string): void {
    this.add(partition, 1);
    const timer = setTimeout(() => this.closeDelivery(delivery), DELIVERY_HOLD_MS);
    timer.unref();
    this.deliveries.set(delivery, { partition, timer });
  }

  closeDelivery(delivery: string): void {
    const open = this.deliveries.get(delivery);
    if (!open) return;
    clearTimeout(open.timer);
    this.deliveries.delete(delivery);
    this.add(open.partition, -1);
  }

  /** Resolves once nothing of `partition` is running or being delivered, or when `until` has passed. */
  async drain(partition: number, until: number): Promise<void> {
    while ((this.inFlight.get(partition) ?? 0) > 0 && Date.now() < until) await new Promise((resolve) => setTimeout(resolve, DRAIN_POLL_MS));
  }

  private add(partition: number, n: number): void {
    this.inFlight.set(partition, (this.inFlight.get(partition) ?? 0) + n);
  }
}
