export { compileQuery } from './compile.ts';
export type {
  Catalog,
  CompiledQuery,
  CompiledSql,
  CompileOptions,
  FixpointGroup,
  ParamRef,
  QueryArg,
  QueryShape,
  TableInfo,
  TableParts,
} from './types.ts';
export { TYPE_BITS, TYPE_SPAN } from './types.ts';
