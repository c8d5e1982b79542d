/**
 * Removes the last occurrence of `item` from `list`, if any. Lists of things in flight (guards, a
 * test's turns) mostly end in the reverse order of their start: then a `pop`, not a `splice` (and
 * the array it returns), on a path that runs for every test.
 */
export function removeLatest<T>(list: T[], item: T): void {
  if (list[list.length - 1] === item) list.pop();
  else {
    const index = list.lastIndexOf(item);
    if (index >= 0) list.splice(index, 1);
  }
}
