/** Placeholder: Queue. */
export default function Queue() {
  return <h1>Queue</h1>;
}
