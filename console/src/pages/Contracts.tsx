/** Placeholder: Contracts. */
export default function Contracts() {
  return <h1>Contracts</h1>;
}
