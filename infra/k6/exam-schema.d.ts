/** Types of exam-schema.js, which the Node load generator imports too. */
export declare const EXAM_DBML: string;
export declare const EXAM_QUERY: string;
