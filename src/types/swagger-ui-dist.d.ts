/** Minimal types for swagger-ui-dist: we only need the folder holding its assets. */
declare module 'swagger-ui-dist' {
  export function getAbsoluteFSPath(): string;
  const swaggerUiDist: { getAbsoluteFSPath(): string };
  export default swaggerUiDist;
}
