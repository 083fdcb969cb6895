/** Problems a user can tag in a rating. */
export const ISSUE_TAGS = ['wrong words', 'missing words', 'punctuation', 'speakers', 'timing'] as const;
/** One issue tag from the rating form. */
export type IssueTag = (typeof ISSUE_TAGS)[number];

/** The user's verdict on a transcript ("How did we do on this transcript?"). */
export interface Rating {
	stars: 1 | 2 | 3 | 4 | 5;
	tags: IssueTag[];
	comment: string;
	ratedAt: string;
}
