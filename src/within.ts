/**
 * A bounded wait: what `work` resolves to, or null once `ms` have passed first. The timer is
 * cleared either way, so a bound never keeps the process alive after the work is done.
 */
export async function within<T>(ms: number, work: Promise<T>): Promise<T | null> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<null>((resolve) => (timer = setTimeout(() => resolve(null), ms)));
  try {
    return await Promise.race([work, late]);
  } finally {
    clearTimeout(timer);
  }
}
