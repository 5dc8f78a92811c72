import { HttpNoneAuthorizer, type IHttpRouteAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpIamAuthorizer, HttpJwtAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { ContextError } from './errors';
import type { PredictSettings } from './settings';

/** What a protected route is given: its authorizer and the scopes a JWT must carry. */
export interface RouteAuthorization {
  readonly authorizer: IHttpRouteAuthorizer;
  readonly authorizationScopes?: string[];
}

/**
 * The authorization of the prediction routes for `settings.apiAuth`: the HTTP API's IAM
 * authorizer (SigV4; a caller needs `execute-api:Invoke` on the route), a JWT authorizer for one
 * issuer and its audiences (plus an optional required scope), or none. Throws when `jwt` is asked
 * for without an issuer and audience, so a deploy never falls back to an open API.
 *
 * @example predictionAuthorization({ ...settings, apiAuth: 'iam' }).authorizer // HttpIamAuthorizer
 */
export function predictionAuthorization(settings: PredictSettings): RouteAuthorization {
  switch (settings.apiAuth) {
    case 'iam':
      return { authorizer: new HttpIamAuthorizer() };
    case 'jwt': {
      const { jwtIssuer, jwtAudience, jwtScope } = settings;
      if (!jwtIssuer || !jwtAudience?.length)
        throw new ContextError(
          jwtIssuer ? 'jwtAudience' : 'jwtIssuer',
          'apiAuth=jwt needs context jwtIssuer (https URL) and jwtAudience (one or more, comma separated)',
        );
      return {
        authorizer: new HttpJwtAuthorizer('Jwt', jwtIssuer, { jwtAudience: [...jwtAudience] }),
        authorizationScopes: jwtScope ? [jwtScope] : undefined,
      };
    }
    case 'none':
      return { authorizer: new HttpNoneAuthorizer() };
  }
}
