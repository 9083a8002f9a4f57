/** JSON files bundled into the extension (the course's schemas). */
declare module '*.json' {
  const value: unknown;
  export default value;
}
